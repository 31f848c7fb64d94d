/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One GSM modem through libgammu: connect, read and delete stored SMS, send, status, USSD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "modem.h"
#include "phone.h"

#define MODEM_BATCH	64	/* stored messages read per poll */

/*
 * Exported by libgammu but not declared in its headers: closes the device
 * without talking to the phone. GSM_TerminateConnection returns early when
 * the phone does not answer (line dropped, operation aborted) and then leaves
 * the port open, which makes every reopen fail with "device busy".
 */
GSM_Error	GSM_CloseConnection(GSM_StateMachine *s);

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

void
modem_init(struct modem *m, const struct conf_modem *c)
{
	memset(m, 0, sizeof(*m));
	m->conf = *c;
	/* Own copies: the conf's strings die with it on a reload. */
	dz_strlcpy(m->name, str_or(c->name, "modem"), sizeof(m->name));
	dz_strlcpy(m->device, str_or(c->device, ""), sizeof(m->device));
	dz_strlcpy(m->connection, str_or(c->connection, "at"), sizeof(m->connection));
	dz_strlcpy(m->model, str_or(c->model, ""), sizeof(m->model));
	dz_strlcpy(m->pin, str_or(c->pin, ""), sizeof(m->pin));
	m->conf.name = m->name;
	m->conf.device = m->device;
	m->conf.connection = m->connection;
	m->conf.model = m->model;
	m->conf.pin = m->pin[0] ? m->pin : NULL;
	m->state = MODEM_DOWN;
	m->signal = -1;
}

const char *
modem_state_name(enum modem_state s)
{
	switch (s) {
	case MODEM_DOWN:
		return "down";
	case MODEM_OPENING:
		return "opening";
	case MODEM_READY:
		return "ready";
	case MODEM_BACKOFF:
		return "backoff";
	}
	return "?";
}

/* Errors that mean the port or the phone is gone: reopen. */
static bool
connection_lost(GSM_Error e)
{
	switch (e) {
	case ERR_DEVICEOPENERROR:
	case ERR_DEVICELOCKED:
	case ERR_DEVICENOTEXIST:
	case ERR_DEVICEBUSY:
	case ERR_DEVICENOPERMISSION:
	case ERR_DEVICENODRIVER:
	case ERR_DEVICENOTWORK:
	case ERR_DEVICEDTRRTSERROR:
	case ERR_DEVICECHANGESPEEDERROR:
	case ERR_DEVICEWRITEERROR:
	case ERR_DEVICEREADERROR:
	case ERR_DEVICEPARITYERROR:
	case ERR_TIMEOUT:
	case ERR_NOTCONNECTED:
	case ERR_PHONEOFF:
	case ERR_NOSIM:
	case ERR_SECURITYERROR:
	case ERR_UNKNOWNCONNECTIONTYPESTRING:
	case ERR_UNKNOWNMODELSTRING:
		return true;
	default:
		return false;
	}
}

enum modem_class
modem_classify(enum modem_op op, GSM_Error e, int cms)
{
	/*
	 * +CMS ERROR codes (3GPP TS 27.005 3.2.5, TS 24.011 E.2) that no
	 * retry will cure for this number; everything else (congestion,
	 * network out of order, temporary failure, 500 unknown) is worth
	 * another try.
	 */
	static const int permanent[] = { 1, 8, 10, 21, 28, 29, 30, 50, 96, 97,
	    111, 304, 305, 330 };
	size_t i;

	if (op == MODEM_OP_SEND && cms > 0) {
		for (i = 0; i < nitems(permanent); i++)
			if (permanent[i] == cms)
				return MODEM_GIVEUP;
		return MODEM_RETRY;
	}
	if (e == ERR_NONE)
		return MODEM_OK;
	switch (op) {
	case MODEM_OP_CONNECT:
		return MODEM_RESET;	/* whatever failed, start over later */
	case MODEM_OP_PIN:
		/* A refused PIN tried again at every reconnect would PUK-lock the SIM. */
		return e != ERR_SECURITYERROR && connection_lost(e) ?
		    MODEM_RESET : MODEM_GIVEUP;
	case MODEM_OP_READ:
		if (e == ERR_EMPTY)
			return MODEM_OK;	/* the end of the listing */
		break;
	case MODEM_OP_DELETE:
		/* The dummy phone keeps all parts in one file: later deletes find nothing. */
		if (e == ERR_EMPTY || e == ERR_INVALIDLOCATION)
			return MODEM_OK;
		break;
	case MODEM_OP_ENCODE:
		return MODEM_GIVEUP;
	case MODEM_OP_SEND:
	case MODEM_OP_USSD:
		if (e == ERR_INVALIDDATA)
			return MODEM_GIVEUP;
		break;
	case MODEM_OP_SEND_WAIT:
		return MODEM_RESET;	/* a hung modem: the part may have left */
	case MODEM_OP_USSD_WAIT:
		return MODEM_RETRY;	/* the network did not answer */
	case MODEM_OP_SMSC:
	case MODEM_OP_STATUS:
		break;
	}
	return connection_lost(e) ? MODEM_RESET : MODEM_RETRY;
}

static void
send_status_cb(GSM_StateMachine *sm, int status, int ref, void *arg)
{
	struct modem *m = arg;

	(void)sm;
	m->send_done = true;
	m->send_status = status;
	(void)ref;	/* the message reference: not needed to match one send at a time */
}

static void
incoming_sms_cb(GSM_StateMachine *sm, GSM_SMSMessage *sms, void *arg)
{
	struct modem *m = arg;

	/* Only a location arrives here; libgammu forbids commands now. */
	(void)sm;
	(void)sms;
	m->incoming = true;
}

static void
incoming_ussd_cb(GSM_StateMachine *sm, GSM_USSDMessage *ussd, void *arg)
{
	struct modem *m = arg;
	char buf[4 * (GSM_MAX_USSD_LENGTH + 1)];

	(void)sm;
	EncodeUTF8(buf, ussd->Text);
	dz_strlcpy(m->ussd, buf, sizeof(m->ussd));
	m->ussd_done = true;
}

static void
set_error(struct modem *m, const char *what, GSM_Error e)
{
	snprintf(m->last_error, sizeof(m->last_error), "%s: %s", what,
	    GSM_ErrorString(e));
}

static enum modem_class
unlock_sim(struct modem *m)
{
	GSM_SecurityCodeType st;
	GSM_SecurityCode code;
	GSM_Error e;

	e = GSM_GetSecurityStatus(m->sm, &st);
	if (e != ERR_NONE || st == SEC_None)
		return MODEM_OK;	/* not all modems report it */
	if (st != SEC_Pin || m->conf.pin == NULL) {
		log_warnx("modem: %s: SIM needs a security code (type %d), %s",
		    m->name, (int)st, m->conf.pin ? "only a PIN is configured" :
		    "none configured");
		snprintf(m->last_error, sizeof(m->last_error),
		    "SIM locked, no usable code configured");
		return MODEM_RESET;
	}
	if (m->pin_rejected) {
		snprintf(m->last_error, sizeof(m->last_error), "SIM refused the "
		    "configured PIN; not retrying (fix modems.pin, restart)");
		return MODEM_RESET;
	}
	log_info("modem: %s: SIM requires PIN, using configured PIN", m->name);
	memset(&code, 0, sizeof(code));
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof(code.Code), "%s", m->conf.pin);
	e = GSM_EnterSecurityCode(m->sm, &code);
	memset(&code, 0, sizeof(code));
	if (e != ERR_NONE) {
		if (modem_classify(MODEM_OP_PIN, e, 0) == MODEM_GIVEUP)
			m->pin_rejected = true;
		set_error(m, "entering PIN", e);
		log_warnx("modem: %s: the SIM refused the PIN: %s%s", m->name,
		    GSM_ErrorString(e), m->pin_rejected ? "; it will not be tried "
		    "again until dossierd restarts" : "");
		return MODEM_RESET;
	}
	return MODEM_OK;
}

enum modem_class
modem_open(struct modem *m)
{
	GSM_Config *cfg;
	GSM_Error e;
	const char *dbg = getenv("DOSSIERD_GAMMU_LOG");
	int i;

	modem_close(m);
	m->state = MODEM_OPENING;
	if ((m->sm = GSM_AllocStateMachine()) == NULL)
		fatalx("modem: out of memory");
	cfg = GSM_GetConfig(m->sm, 0);
	cfg->Device = strdup(str_or(m->conf.device, ""));
	cfg->Connection = strdup(str_or(m->conf.connection, "at"));
	snprintf(cfg->Model, sizeof(cfg->Model), "%s", str_or(m->conf.model, ""));
	cfg->SyncTime = FALSE;
	cfg->LockDevice = FALSE;
	cfg->StartInfo = FALSE;
	cfg->UseGlobalDebugFile = FALSE;
	/* As gammurc's defaults: -1 lets the AT driver pick +CNMI modes the modem offers. */
	for (i = 0; i < (int)nitems(cfg->CNMIParams); i++)
		cfg->CNMIParams[i] = -1;
	if (dbg != NULL && *dbg != '\0') {
		cfg->DebugFile = strdup(dbg);
		snprintf(cfg->DebugLevel, sizeof(cfg->DebugLevel), "textalldate");
	} else {
		cfg->DebugFile = NULL;
		cfg->DebugLevel[0] = '\0';
	}
	GSM_SetConfigNum(m->sm, 1);
	log_debug("modem: %s: connecting to %s", m->name, cfg->Device);
	if ((e = GSM_InitConnection(m->sm, 1)) != ERR_NONE &&
	    modem_classify(MODEM_OP_CONNECT, e, 0) != MODEM_OK) {
		set_error(m, "connect", e);
		/* A failure after the port opened leaves it open: close it. */
		modem_close(m);
		return MODEM_RESET;
	}
	if (unlock_sim(m) != MODEM_OK) {
		modem_close(m);
		return MODEM_RESET;
	}
	GSM_SetSendSMSStatusCallback(m->sm, send_status_cb, m);
	GSM_SetIncomingSMSCallback(m->sm, incoming_sms_cb, m);
	GSM_SetIncomingUSSDCallback(m->sm, incoming_ussd_cb, m);
	(void)GSM_SetIncomingSMS(m->sm, TRUE);
	(void)GSM_SetIncomingUSSD(m->sm, TRUE);
	m->state = MODEM_READY;
	m->last_error[0] = '\0';
	m->incoming = true;	/* notifications sent while closed are lost: read now */
	return MODEM_OK;
}

void
modem_close(struct modem *m)
{
	if (m->sm != NULL) {
		if (GSM_IsConnected(m->sm) &&
		    GSM_TerminateConnection(m->sm) != ERR_NONE)
			GSM_CloseConnection(m->sm);
		GSM_FreeStateMachine(m->sm);
		m->sm = NULL;
	}
	m->state = MODEM_DOWN;
}

void
modem_abort(void *arg)
{
	struct modem *m = arg;

	m->aborted = 1;
	if (m->sm != NULL)
		GSM_AbortOperation(m->sm);	/* sets a flag libgammu's waits check */
}

void
modem_pump(struct modem *m)
{
	if (m->sm != NULL && m->state == MODEM_READY)
		GSM_ReadDevice(m->sm, FALSE);
}

/* One received GSM_SMSMessage -> in_part. Returns false for what is not a received text. */
static bool
to_part(const struct modem *m, const GSM_SMSMessage *sms, struct in_part *p)
{
	const GSM_DateTime *t = &sms->DateTime;
	char num[4 * (GSM_MAX_NUMBER_LENGTH + 1)];

	if (sms->PDU != SMS_Deliver)
		return false;
	memset(p, 0, sizeof(*p));
	EncodeUTF8(num, sms->Number);
	dz_strlcpy(p->sender, num, sizeof(p->sender));
	if (t->Year > 0)
		snprintf(p->smsc_time, sizeof(p->smsc_time),
		    "%04d%02d%02dT%02d%02d%02d", t->Year, t->Month, t->Day,
		    t->Hour, t->Minute, t->Second);
	if (sms->Coding == SMS_Coding_8bit)
		p->text[0] = '\0';	/* binary: nothing a citizen typed */
	else
		EncodeUTF8(p->text, sms->Text);
	p->total = 1;
	if ((sms->UDH.Type == UDH_ConcatenatedMessages ||
	    sms->UDH.Type == UDH_ConcatenatedMessages16bit) &&
	    sms->UDH.AllParts > 1) {
		p->ref = sms->UDH.Type == UDH_ConcatenatedMessages ?
		    sms->UDH.ID8bit : sms->UDH.ID16bit;
		p->part = sms->UDH.PartNumber;
		p->total = sms->UDH.AllParts;
	}
	snprintf(p->modem, sizeof(p->modem), "%s", m->name);
	return true;
}

/* Where a read message sits, kept to delete it after the listing. */
struct stored {
	int		 folder;
	int		 location;
	GSM_MemoryType	 memory;
	gboolean	 inbox;
};

struct stored_list {
	struct stored	*v;
	int		 n, cap;
};

static bool
remember(struct stored_list *l, const GSM_SMSMessage *sms)
{
	struct stored *v;

	if (l->n == l->cap) {
		if ((v = realloc(l->v, (l->cap + 64) * sizeof(*v))) == NULL)
			return false;
		l->v = v;
		l->cap += 64;
	}
	l->v[l->n].folder = sms->Folder;
	l->v[l->n].location = sms->Location;
	l->v[l->n].memory = sms->Memory;
	l->v[l->n].inbox = sms->InboxFolder;
	l->n++;
	return true;
}

/* Hand one stored message to cb; remember it for deletion once all its parts are committed. */
static void
take_message(struct modem *m, GSM_MultiSMSMessage *msms, modem_part_cb cb,
    void *arg, int *n, struct stored_list *del)
{
	struct in_part *p;
	bool committed = true, wanted = false;
	int i;

	if ((p = malloc(sizeof(*p))) == NULL)
		return;
	for (i = 0; i < msms->Number; i++) {
		if (!to_part(m, &msms->SMS[i], p)) {
			if (msms->SMS[i].PDU == SMS_Status_Report)
				wanted = true;	/* delivery reports: just clear them */
			continue;
		}
		wanted = true;
		(*n)++;
		if (cb(arg, p) != 0)
			committed = false;
	}
	free(p);
	for (i = 0; wanted && committed && i < msms->Number; i++)
		if (!remember(del, &msms->SMS[i]))
			break;	/* out of memory: it stays, read (and recognised) again */
}

static void
delete_stored(struct modem *m, const struct stored_list *del)
{
	GSM_SMSMessage sms;
	GSM_Error e;
	int i;

	for (i = 0; i < del->n; i++) {
		memset(&sms, 0, sizeof(sms));
		sms.Folder = del->v[i].folder;
		sms.Location = del->v[i].location;
		sms.Memory = del->v[i].memory;
		sms.InboxFolder = del->v[i].inbox;
		e = GSM_DeleteSMS(m->sm, &sms);
		if (modem_classify(MODEM_OP_DELETE, e, 0) != MODEM_OK)
			log_warnx("modem: %s: deleting message %d: %s", m->name,
			    sms.Location, GSM_ErrorString(e));
	}
}

int
modem_read_all(struct modem *m, modem_part_cb cb, void *arg,
    enum modem_class *cls)
{
	GSM_MultiSMSMessage *msms;
	struct stored_list del = { NULL, 0, 0 };
	GSM_Error e = ERR_NONE;
	int count = 0, n = 0;
	bool start = true;

	*cls = MODEM_OK;
	m->incoming = false;
	/* One message buffer (about 260 kB), reused: GetNextSMS keeps its cursor in it. */
	if ((msms = calloc(1, sizeof(*msms))) == NULL)
		return -1;
	/*
	 * Commit each message as it is listed; delete only after the listing,
	 * since deleting while listing confuses some drivers.
	 */
	while (count < MODEM_BATCH) {
		e = GSM_GetNextSMS(m->sm, msms, start);
		if (e != ERR_NONE)
			break;
		start = false;
		count++;
		take_message(m, msms, cb, arg, &n, &del);
	}
	if ((*cls = modem_classify(MODEM_OP_READ, e, 0)) != MODEM_OK) {
		set_error(m, "reading messages", e);
		if (*cls != MODEM_RESET && count == 0)
			log_warnx("modem: %s: reading messages: %s", m->name,
			    GSM_ErrorString(e));
	}
	if (*cls != MODEM_RESET)
		delete_stored(m, &del);
	if (count == MODEM_BATCH)
		m->incoming = true;	/* more waiting: read again soon */
	free(del.v);
	free(msms);
	return *cls == MODEM_RESET ? -1 : n;
}

/* Pump libgammu until the send-status callback fires or the deadline passes. */
static bool
wait_send_status(struct modem *m, int64_t deadline)
{
	while (!m->send_done && loop_now() < deadline) {
		if (GSM_ReadDevice(m->sm, TRUE) < 0 && !GSM_IsConnected(m->sm))
			return false;
	}
	return m->send_done;
}

static enum modem_class
send_part(struct modem *m, GSM_SMSMessage *sms, const GSM_SMSC *smsc,
    int64_t deadline, char *errbuf, size_t errsz)
{
	GSM_Error e;
	enum modem_class cls;

	sms->SMSC = *smsc;
	sms->SMSC.Location = 0;
	sms->PDU = SMS_Submit;
	m->send_done = false;
	m->send_status = -1;
	if ((e = GSM_SendSMS(m->sm, sms)) != ERR_NONE) {
		snprintf(errbuf, errsz, "send: %s", GSM_ErrorString(e));
		return modem_classify(MODEM_OP_SEND, e, 0);
	}
	if (!wait_send_status(m, deadline)) {
		snprintf(errbuf, errsz, "no send status within %d s",
		    m->conf.send_timeout);
		return modem_classify(MODEM_OP_SEND_WAIT, ERR_TIMEOUT, 0);
	}
	if (m->send_status != 0) {
		cls = modem_classify(MODEM_OP_SEND, ERR_NONE, m->send_status);
		snprintf(errbuf, errsz, "network refused: +CMS ERROR %d%s",
		    m->send_status, cls == MODEM_GIVEUP ? " (permanent)" : "");
		return cls;
	}
	return MODEM_OK;
}

enum modem_class
modem_send(struct modem *m, const char *number, const char *text, bool ucs2,
    int *parts, char *errbuf, size_t errsz)
{
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *msms;
	GSM_SMSC smsc;
	unsigned char *buf;
	size_t len = strlen(text);
	enum modem_class cls = MODEM_OK;
	GSM_Error e;
	int64_t deadline = loop_now() + m->conf.send_timeout * 1000LL;
	int i;

	/* One deadline for all parts: a send stays well inside WatchdogSec. */
	*parts = 0;
	if (m->sm == NULL || m->state != MODEM_READY) {
		snprintf(errbuf, errsz, "modem not ready");
		return MODEM_RESET;
	}
	memset(&smsc, 0, sizeof(smsc));
	smsc.Location = 1;
	if ((e = GSM_GetSMSC(m->sm, &smsc)) != ERR_NONE &&
	    (cls = modem_classify(MODEM_OP_SMSC, e, 0)) != MODEM_OK) {
		snprintf(errbuf, errsz, "reading SMSC: %s", GSM_ErrorString(e));
		return cls;
	}
	buf = calloc(2 * (len + 1) + 2, 1);
	msms = calloc(1, sizeof(*msms));
	if (buf == NULL || msms == NULL) {
		free(buf);
		free(msms);
		snprintf(errbuf, errsz, "out of memory");
		return MODEM_RETRY;
	}
	DecodeUTF8(buf, text, len);
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = ucs2;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = buf;
	e = GSM_EncodeMultiPartSMS(NULL, &info, msms);
	if ((cls = modem_classify(MODEM_OP_ENCODE, e, 0)) != MODEM_OK)
		snprintf(errbuf, errsz, "encoding: %s", GSM_ErrorString(e));
	for (i = 0; cls == MODEM_OK && i < msms->Number; i++) {
		EncodeUnicode(msms->SMS[i].Number, number, strlen(number));
		cls = send_part(m, &msms->SMS[i], &smsc, deadline, errbuf, errsz);
		if (cls == MODEM_OK)
			(*parts)++;
	}
	free(buf);
	free(msms);
	if (cls == MODEM_OK)
		m->last_send = time(NULL);
	else if (cls == MODEM_RESET)
		snprintf(m->last_error, sizeof(m->last_error), "%s", errbuf);
	return cls;
}

enum modem_class
modem_refresh(struct modem *m)
{
	GSM_SignalQuality sig;
	GSM_NetworkInfo ni;
	GSM_Error e;
	const unsigned char *name;
	char buf[1024];

	if ((e = GSM_GetSignalQuality(m->sm, &sig)) == ERR_NONE)
		m->signal = sig.SignalPercent;
	else if (modem_classify(MODEM_OP_STATUS, e, 0) == MODEM_RESET) {
		set_error(m, "signal", e);
		return MODEM_RESET;
	}
	memset(&ni, 0, sizeof(ni));
	if ((e = GSM_GetNetworkInfo(m->sm, &ni)) == ERR_NONE) {
		switch (ni.State) {
		case GSM_HomeNetwork:
			snprintf(m->network, sizeof(m->network), "home");
			break;
		case GSM_RoamingNetwork:
			snprintf(m->network, sizeof(m->network), "roaming");
			break;
		case GSM_RequestingNetwork:
			snprintf(m->network, sizeof(m->network), "searching");
			break;
		case GSM_RegistrationDenied:
			snprintf(m->network, sizeof(m->network), "denied");
			break;
		default:
			snprintf(m->network, sizeof(m->network), "none");
			break;
		}
		name = GSM_GetNetworkName(ni.NetworkCode);
		if (name == NULL || UnicodeLength(name) == 0)
			name = ni.NetworkName;
		if (UnicodeLength(name) > 0 && UnicodeLength(name) < 200) {
			EncodeUTF8(buf, name);
			dz_strlcpy(m->operator_, buf, sizeof(m->operator_));
		} else
			dz_strlcpy(m->operator_, ni.NetworkCode, sizeof(m->operator_));
	} else if (modem_classify(MODEM_OP_STATUS, e, 0) == MODEM_RESET) {
		set_error(m, "network info", e);
		return MODEM_RESET;
	}
	return MODEM_OK;
}

enum modem_class
modem_ussd(struct modem *m, const char *code, char *out, size_t outsz,
    int timeout_ms)
{
	char dial[64];
	int64_t deadline = loop_now() + timeout_ms;
	GSM_Error e;

	snprintf(dial, sizeof(dial), "%s", code);
	m->ussd_done = false;
	m->ussd[0] = '\0';
	if ((e = GSM_DialService(m->sm, dial)) != ERR_NONE) {
		snprintf(out, outsz, "USSD %s: %s", code, GSM_ErrorString(e));
		return modem_classify(MODEM_OP_USSD, e, 0);
	}
	while (!m->ussd_done && loop_now() < deadline)
		GSM_ReadDevice(m->sm, TRUE);
	if (!m->ussd_done) {
		snprintf(out, outsz, "USSD %s: no answer within %d s", code,
		    timeout_ms / 1000);
		return modem_classify(MODEM_OP_USSD_WAIT, ERR_TIMEOUT, 0);
	}
	snprintf(out, outsz, "%s", m->ussd);
	return MODEM_OK;
}
