/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One GSM modem through libgammu: connect, read and delete stored SMS, send, status, USSD. */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "modem.h"
#include "phone.h"
#include "sdnotify.h"

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
	dz_strlcpy(m->features, str_or(c->features, ""), sizeof(m->features));
	m->conf.name = m->name;
	m->conf.device = m->device;
	m->conf.connection = m->connection;
	m->conf.model = m->model;
	m->conf.pin = m->pin[0] ? m->pin : NULL;
	m->conf.features = m->features[0] ? m->features : NULL;
	m->state = MODEM_DOWN;
	m->signal = -1;
	m->fd = -1;
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
	case MODEM_OP_USSD:
		if (e == ERR_NETWORK_ERROR || e == ERR_NOTSUPPORTED)
			return MODEM_GIVEUP;	/* +CUSD: 4 and the like */
		/*
		 * libgammu reads +CUSD: 5 (the network timed out) as a timeout:
		 * a result, not a broken modem (the next step would see that).
		 */
		if (e == ERR_TIMEOUT)
			return MODEM_RETRY;
		/* FALLTHROUGH */
	case MODEM_OP_SEND:
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
	m->send_mr = ref;
}

/* A status report as it was decoded by libgammu. */
static void
to_report(const GSM_SMSMessage *sms, struct modem_report *r)
{
	const GSM_DateTime *t = &sms->SMSCTime;
	struct tm tm;

	memset(r, 0, sizeof(*r));
	r->mr = sms->MessageReference;
	r->status = sms->DeliveryStatus;
	EncodeUTF8(r->number, sms->Number);
	r->at = time(NULL);
	if (t->Year > 0) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = t->Year - 1900;
		tm.tm_mon = t->Month - 1;
		tm.tm_mday = t->Day;
		tm.tm_hour = t->Hour;
		tm.tm_min = t->Minute;
		tm.tm_sec = t->Second;
		/* Its zone is the network's: off by at most a few hours. */
		r->at = timegm(&tm) - (time_t)t->Timezone;
	}
}

static void
incoming_sms_cb(GSM_StateMachine *sm, GSM_SMSMessage *sms, void *arg)
{
	struct modem *m = arg;

	/* No libgammu command may be given now: keep what came, use it later. */
	(void)sm;
	if (sms->PDU == SMS_Status_Report && sms->Location == 0) {
		/* +CDS: the whole report came with the line. */
		if (m->nreports < MODEM_REPORTS_MAX)
			to_report(sms, &m->reports[m->nreports++]);
		else
			m->reports_lost = true;
		return;
	}
	if (sms->PDU == SMS_Status_Report && sms->Memory == MEM_SR) {
		/* +CDSI into the status-report memory, which a listing skips. */
		if (m->ncdsi < MODEM_REPORTS_MAX) {
			m->cdsi[m->ncdsi].memory = sms->Memory;
			m->cdsi[m->ncdsi++].location = sms->Location;
		} else
			m->reports_lost = true;
	}
	if (sms->PDU != SMS_Status_Report && sms->Memory == MEM_SM &&
	    sms->Location + m->cmti_base >= 0 &&
	    sms->Location + m->cmti_base < MODEM_CMTI_SLOTS)
		m->cmti_at[sms->Location + m->cmti_base] = ++m->cmti_seq;
	m->incoming = true;
}

void
modem_take_reports(struct modem *m, modem_report_cb cb, modem_batch_cb bcb,
    void *arg)
{
	bool keep[MODEM_REPORTS_MAX], batched;
	int i, kept = 0;

	if (m->reports_lost) {
		m->reports_lost = false;
		log_warnx("modem: %s: more status reports at once than %d; the "
		    "rest are lost (their messages stay \"waiting\")", m->name,
		    MODEM_REPORTS_MAX);
	}
	batched = m->nreports > 1 && bcb != NULL && bcb(arg, false) == 0;
	for (i = 0; i < m->nreports; i++)
		keep[i] = cb(arg, &m->reports[i]) != 0;
	if (batched && bcb(arg, true) != 0)
		for (i = 0; i < m->nreports; i++)
			keep[i] = true;
	for (i = 0; i < m->nreports; i++)
		if (keep[i])
			m->reports[kept++] = m->reports[i];
	m->nreports = kept;
}

static void
incoming_ussd_cb(GSM_StateMachine *sm, GSM_USSDMessage *ussd, void *arg)
{
	struct modem *m = arg;
	char buf[4 * (GSM_MAX_USSD_LENGTH + 1)];

	(void)sm;
	EncodeUTF8(buf, ussd->Text);
	if (!m->ussd_waiting) {
		/* Network-initiated (or late): noted, nobody waits for it. */
		log_info("modem: %s: USSD from the network (status %d): %s",
		    m->name, (int)ussd->Status, buf);
		return;
	}
	dz_strlcpy(m->ussd, buf, sizeof(m->ussd));
	m->ussd_status = (int)ussd->Status;
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

/*
 * The descriptor libgammu opened for the device (it does not say which):
 * the character device with the same device number, or -1 (the dummy
 * phone, or not found: waits then tick on a timer instead).
 */
static int
find_port_fd(const char *device)
{
	struct stat want, sb;
	struct dirent *de;
	DIR *d;
	int fd = -1, n;

	if (stat(device, &want) == -1 || !S_ISCHR(want.st_mode) ||
	    (d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while (fd == -1 && (de = readdir(d)) != NULL) {
		n = atoi(de->d_name);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || n == dirfd(d))
			continue;
		if (fstat(n, &sb) == 0 && S_ISCHR(sb.st_mode) &&
		    sb.st_rdev == want.st_rdev)
			fd = n;
	}
	closedir(d);
	return fd;
}

/*
 * libgammu's plain AT module over a serial port: a connection of its
 * serial AT kind ("at", "at115200", "dku2at"), model auto or "at", and not
 * a phone its Alcatel or Sony-Ericsson module takes over (those switch
 * protocols and keep other private data).
 */
static bool
at_plain(struct modem *m)
{
	const char *c = m->conf.connection;
	GSM_PhoneModel *pm = GSM_GetModelInfo(m->sm);

	/* "at", "at115200", "dku2at", each maybe with "-nodtr" and the like */
	if (strncasecmp(c, "at", 2) == 0)
		c += 2 + strspn(c + 2, "0123456789");
	else if (strncasecmp(c, "dku2at", 6) == 0)
		c += 6;
	else
		return false;
	if (*c != '\0' && *c != '-')
		return false;
	if (m->conf.model[0] != '\0' && strcasecmp(m->conf.model, "at") != 0)
		return false;
	return !GSM_IsPhoneFeatureAvailable(pm, F_ALCATEL) &&
	    !GSM_IsPhoneFeatureAvailable(pm, F_OBEX);
}

#ifdef HAVE_AT_STATEMACHINE
/* libgammu's AT protocol (libgammu/protocol/at/at.c): exported, in no header. */
GSM_Error AT_StateMachine(GSM_StateMachine *, unsigned char);
#endif

/*
 * What the port has, handed to libgammu as GSM_ReadDevice(sm, FALSE)
 * would: on the plain AT module, read and fed to its AT state machine
 * byte by byte, which is all GSM_ReadDevice does after clearing a 64 kB
 * buffer (80,000 instructions, for every +CMTI or +CDS that comes while
 * libgammu is not reading). Returns what GSM_ReadDevice returns.
 */
static int
feed_libgammu(struct modem *m)
{
#ifdef HAVE_AT_STATEMACHINE
	unsigned char buf[1024];
	ssize_t n, i;

	if (m->at_plain) {	/* set only with a port descriptor */
		if (!GSM_IsConnected(m->sm))
			return -1;
		if ((n = read(m->fd, buf, sizeof(buf))) == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		for (i = 0; i < n; i++)
			(void)AT_StateMachine(m->sm, buf[i]);
		return (int)n;
	}
#endif
	return GSM_ReadDevice(m->sm, FALSE);
}

bool
modem_probeable(const struct modem *m)
{
	struct stat sb;

	return stat(m->conf.device, &sb) == 0 && S_ISCHR(sb.st_mode);
}

bool
modem_probe(const struct modem *m)
{
	struct pollfd p;
	char buf[256];
	size_t got = 0;
	ssize_t n;
	int64_t end;
	int fd;
	bool ok = false;

	if (!modem_probeable(m))
		return false;
	if ((fd = open(m->conf.device, O_RDWR | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return false;
	(void)tcflush(fd, TCIOFLUSH);
	if (write(fd, "AT\r", 3) == 3) {
		end = loop_now() + MODEM_PROBE_MS;
		while (!ok && loop_now() < end) {
			p.fd = fd;
			p.events = POLLIN;
			if (poll(&p, 1, (int)(end - loop_now())) != 1 ||
			    (p.revents & POLLIN) == 0)
				break;
			if ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
				break;
			got += (size_t)n;
			buf[got] = '\0';
			ok = strstr(buf, "OK") != NULL;
			if (got == sizeof(buf) - 1)
				got = 0;	/* chatter: keep looking */
		}
	}
	close(fd);
	return ok;
}

/*
 * modems.features: Gammu phone features to use instead of those libgammu's
 * model table gives (ENCODED_USSD for firmwares that want USSD as packed
 * GSM-7 hex, USSD_GSM_CHARSET, ...), as gammurc's "features".
 */
static void
set_features(struct modem *m, GSM_Config *cfg)
{
	char buf[sizeof(m->features)], *tok, *save = NULL;
	GSM_Feature f;
	int n = 0;

	memset(cfg->PhoneFeatures, 0, sizeof(cfg->PhoneFeatures));
	dz_strlcpy(buf, m->features, sizeof(buf));
	for (tok = strtok_r(buf, ", ", &save); tok != NULL &&
	    n < GSM_MAX_PHONE_FEATURES; tok = strtok_r(NULL, ", ", &save)) {
		if ((f = GSM_FeatureFromString(tok)) == 0)
			log_warnx("modem: %s: unknown Gammu feature \"%s\" in "
			    "modems.features (ignored)", m->name, tok);
		else
			cfg->PhoneFeatures[n++] = f;
	}
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
	/*
	 * Status reports as +CDS lines (<ds> 1) unless they are to be stored
	 * (2: +CDSI, then a read and a delete in the SIM's report memory, and
	 * two memory switches, for every part). A modem that offers only one
	 * gets that one: libgammu takes the other when ours is not in range.
	 */
	cfg->CNMIParams[3] = m->conf.reports_stored ? 2 : 1;
	if (dbg != NULL && *dbg != '\0') {
		cfg->DebugFile = strdup(dbg);
		snprintf(cfg->DebugLevel, sizeof(cfg->DebugLevel), "textalldate");
	} else {
		cfg->DebugFile = NULL;
		cfg->DebugLevel[0] = '\0';
	}
	set_features(m, cfg);
	GSM_SetConfigNum(m->sm, 1);
	log_debug("modem: %s: connecting to %s", m->name, cfg->Device);
	if ((e = GSM_InitConnection(m->sm, 1)) != ERR_NONE &&
	    modem_classify(MODEM_OP_CONNECT, e, 0) != MODEM_OK) {
		set_error(m, "connect", e);
		/* A failure after the port opened leaves it open: close it. */
		modem_close(m);
		m->port_fault = true;	/* missing, silent or hung: probe it */
		return MODEM_RESET;
	}
	if (unlock_sim(m) != MODEM_OK) {
		modem_close(m);
		m->port_fault = false;	/* it answers: the SIM is the matter */
		return MODEM_RESET;
	}
	/* +CMTI gives the SIM index, a listing locations from 1. */
	m->cmti_base = GSM_IsPhoneFeatureAvailable(GSM_GetModelInfo(m->sm),
	    F_SMS_LOCATION_0) ? 1 : 0;
	memset(m->cmti_at, 0, sizeof(m->cmti_at));
	GSM_SetSendSMSStatusCallback(m->sm, send_status_cb, m);
	GSM_SetIncomingSMSCallback(m->sm, incoming_sms_cb, m);
	GSM_SetIncomingUSSDCallback(m->sm, incoming_ussd_cb, m);
	(void)GSM_SetIncomingSMS(m->sm, TRUE);
	(void)GSM_SetIncomingUSSD(m->sm, TRUE);
	m->state = MODEM_READY;
	m->last_error[0] = '\0';
	m->incoming = true;	/* notifications sent while closed are lost: read now */
	m->fd = find_port_fd(m->conf.device);
	m->at_plain = m->fd >= 0 && at_plain(m);
	m->direct = DIRECT_UNKNOWN;
	m->direct_checks = 0;
	m->direct_misses = 0;
	log_debug("modem: %s: port descriptor %d%s", m->name, m->fd,
	    m->at_plain ? ", libgammu's plain AT module" : "");
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
	free(m->msms);
	m->msms = NULL;
	m->smsc_read = false;	/* another SIM may be in it next time */
	m->fd = -1;
	m->at_plain = false;
	m->state = MODEM_DOWN;
}

void
modem_abort(void *arg, enum loop_guard_why why)
{
	struct modem *m = arg;

	m->aborted = why == LOOP_GUARD_STOP ? MODEM_ABORT_STOP : MODEM_ABORT_HUNG;
	if (m->sm != NULL)
		GSM_AbortOperation(m->sm);	/* sets a flag libgammu's waits check */
}

void
modem_pump(struct modem *m)
{
	if (m->sm != NULL && m->state == MODEM_READY)
		(void)feed_libgammu(m);
}

/* The SMSC's time stamp as YYYYMMDDThhmmss (printf's %04d%02d... when out of range). */
static void
smsc_stamp(const GSM_DateTime *t, char *out, size_t outsz)
{
	char *p = out;

	if (outsz < sizeof("YYYYMMDDThhmmss") || t->Year < 0 || t->Year > 9999 ||
	    t->Month < 0 || t->Month > 99 || t->Day < 0 || t->Day > 99 ||
	    t->Hour < 0 || t->Hour > 99 || t->Minute < 0 || t->Minute > 99 ||
	    t->Second < 0 || t->Second > 99) {
		snprintf(out, outsz, "%04d%02d%02dT%02d%02d%02d", t->Year,
		    t->Month, t->Day, t->Hour, t->Minute, t->Second);
		return;
	}
	p = dz_put_digits(p, (unsigned long)t->Year, 4);
	p = dz_put_digits(p, (unsigned long)t->Month, 2);
	p = dz_put_digits(p, (unsigned long)t->Day, 2);
	*p++ = 'T';
	p = dz_put_digits(p, (unsigned long)t->Hour, 2);
	p = dz_put_digits(p, (unsigned long)t->Minute, 2);
	*dz_put_digits(p, (unsigned long)t->Second, 2) = '\0';
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
		smsc_stamp(t, p->smsc_time, sizeof(p->smsc_time));
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
	dz_strlcpy(p->modem, m->name, sizeof(p->modem));
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
remember_at(struct stored_list *l, const struct stored *at)
{
	struct stored *v;

	if (l->n == l->cap) {
		if ((v = realloc(l->v, (l->cap + 64) * sizeof(*v))) == NULL)
			return false;
		l->v = v;
		l->cap += 64;
	}
	l->v[l->n++] = *at;
	return true;
}

static bool
remember(struct stored_list *l, const GSM_SMSMessage *sms)
{
	struct stored at = { .folder = sms->Folder, .location = sms->Location,
	    .memory = sms->Memory, .inbox = sms->InboxFolder };

	return remember_at(l, &at);
}

/* Hand one stored message to cb; remember it for deletion once all its parts are committed. */
static void
take_message(struct modem *m, GSM_MultiSMSMessage *msms, modem_part_cb cb,
    modem_report_cb rcb, void *arg, int *n, struct stored_list *del)
{
	struct in_part *p;
	bool committed = true, wanted = false;
	int i;

	if ((p = malloc(sizeof(*p))) == NULL)
		return;
	for (i = 0; i < msms->Number; i++) {
		if (msms->SMS[i].PDU == SMS_Status_Report) {
			/* A report is never a citizen's text. */
			struct modem_report r;

			wanted = true;
			to_report(&msms->SMS[i], &r);
			if (rcb != NULL && rcb(arg, &r) != 0)
				committed = false;
			continue;
		}
		if (!to_part(m, &msms->SMS[i], p))
			continue;
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

/* A listed message, held until the listing ends: committed in arrival order. */
struct held {
	int64_t		 seq;		/* the place of its +CMTI, 0: not announced */
	int		 location;
	int		 nparts;
	struct in_part	*parts;
	struct stored_list at;		/* where its parts sit */
};

/*
 * Hold a listed message that has texts only (reports are taken at once:
 * their order does not matter). False if there is nothing to hold or no
 * memory for it: take it then.
 */
static bool
hold_message(struct modem *m, const GSM_MultiSMSMessage *msms, struct held *h)
{
	int i, loc = msms->SMS[0].Location;

	memset(h, 0, sizeof(*h));
	if (msms->Number <= 0)
		return false;
	for (i = 0; i < msms->Number; i++)
		if (msms->SMS[i].PDU == SMS_Status_Report)
			return false;
	if ((h->parts = calloc((size_t)msms->Number, sizeof(*h->parts))) == NULL)
		return false;
	for (i = 0; i < msms->Number; i++) {
		if (to_part(m, &msms->SMS[i], &h->parts[h->nparts]))
			h->nparts++;
		if (!remember(&h->at, &msms->SMS[i]))
			break;
	}
	if (h->nparts == 0 || i < msms->Number) {
		free(h->parts);
		free(h->at.v);
		return false;
	}
	h->location = loc;
	if (loc >= 0 && loc < MODEM_CMTI_SLOTS) {
		/* Any later +CMTI for this location announces another message. */
		h->seq = m->cmti_at[loc];
		m->cmti_at[loc] = 0;
	}
	return true;
}

/*
 * Arrival order: messages no +CMTI announced (stored while the port was
 * closed) first, by SMSC time, then the others as +CMTI announced them.
 * The SMSC time has whole seconds and a flood brings many a second.
 */
static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c;

	if (x->seq != y->seq) {
		if (x->seq == 0 || y->seq == 0)
			return x->seq == 0 ? -1 : 1;
		return x->seq < y->seq ? -1 : 1;
	}
	if ((c = strcmp(x->parts[0].smsc_time, y->parts[0].smsc_time)) != 0)
		return c;
	return (x->location > y->location) - (x->location < y->location);
}

/* Commit a held message; remember it for deletion once all its parts are. */
static void
commit_held(struct held *h, modem_part_cb cb, void *arg, int *n,
    struct stored_list *del)
{
	bool committed = true;
	int i;

	for (i = 0; i < h->nparts; i++) {
		(*n)++;
		if (cb(arg, &h->parts[i]) != 0)
			committed = false;
	}
	for (i = 0; committed && i < h->at.n; i++)
		if (!remember_at(del, &h->at.v[i]))
			break;	/* out of memory: it stays, read (and recognised) again */
	free(h->parts);
	free(h->at.v);
}

/*
 * The connection's message buffer, allocated once: clearing 260 kB for
 * every read and send was a third of dossierd's own cost per query. Its
 * first message is cleared here; libgammu sets each message it fills
 * (GetSMS and EncodeMultiPartSMS start from their defaults).
 */
static GSM_MultiSMSMessage *
msg_buffer(struct modem *m)
{
	if (m->msms == NULL && (m->msms = calloc(1, sizeof(*m->msms))) == NULL)
		return NULL;
	m->msms->Number = 0;
	memset(&m->msms->SMS[0], 0, sizeof(m->msms->SMS[0]));
	return m->msms;
}

static bool direct_delete(struct modem *, GSM_SMSMessage *, GSM_Error *);

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
		if (!direct_delete(m, &sms, &e))
			e = GSM_DeleteSMS(m->sm, &sms);
		if (modem_classify(MODEM_OP_DELETE, e, 0) != MODEM_OK)
			log_warnx("modem: %s: deleting message %d: %s", m->name,
			    sms.Location, GSM_ErrorString(e));
	}
}

int
modem_read_all(struct modem *m, modem_part_cb cb, modem_report_cb rcb,
    modem_batch_cb bcb, void *arg, enum modem_class *cls)
{
	GSM_MultiSMSMessage *msms;
	struct stored_list del = { NULL, 0, 0 };
	struct held *held;
	GSM_Error e = ERR_NONE;
	int count = 0, n = 0, nheld = 0, i, base;
	bool start = true, batched;

	*cls = MODEM_OK;
	m->incoming = false;
	/* The connection's message buffer: GetNextSMS keeps its cursor in it. */
	if ((msms = msg_buffer(m)) == NULL)
		return -1;
	if ((held = calloc(MODEM_BATCH, sizeof(*held))) == NULL)
		return -1;
	/*
	 * The listing comes in location order, not in the order messages
	 * arrived: texts are held and committed in arrival order once it ends.
	 * Delete only after the listing, since deleting while listing
	 * confuses some drivers.
	 */
	while (count < MODEM_BATCH) {
		e = GSM_GetNextSMS(m->sm, msms, start);
		if (e != ERR_NONE)
			break;
		start = false;
		count++;
		if (hold_message(m, msms, &held[nheld]))
			nheld++;
		else
			take_message(m, msms, cb, rcb, arg, &n, &del);
	}
	qsort(held, nheld, sizeof(*held), held_cmp);
	/* The texts of one listing: one commit, before any is deleted. */
	base = del.n;
	batched = nheld > 1 && bcb != NULL && bcb(arg, false) == 0;
	for (i = 0; i < nheld; i++)
		commit_held(&held[i], cb, arg, &n, &del);
	if (batched && bcb(arg, true) != 0)
		del.n = base;	/* not committed: they stay, read again */
	free(held);
	/* +CDSI reports in the status-report memory, which the listing skips. */
	while (*cls == MODEM_OK && m->ncdsi > 0 && (e == ERR_EMPTY ||
	    e == ERR_NONE)) {
		GSM_Error ge;

		m->ncdsi--;
		msms = msg_buffer(m);
		msms->Number = 1;
		msms->SMS[0].Memory = (GSM_MemoryType)m->cdsi[m->ncdsi].memory;
		msms->SMS[0].Location = m->cdsi[m->ncdsi].location;
		msms->SMS[0].Folder = 0;
		if ((ge = GSM_GetSMS(m->sm, msms)) == ERR_NONE)
			take_message(m, msms, cb, rcb, arg, &n, &del);
		else if (modem_classify(MODEM_OP_READ, ge, 0) == MODEM_RESET) {
			e = ge;
			break;
		}
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
	return *cls == MODEM_RESET ? -1 : n;
}

/* How waiting for the network's answer to a part ended. */
enum wait_end {
	WAIT_ANSWERED,
	WAIT_TIMEOUT,	/* send_timeout: the modem hangs */
	WAIT_STOPPED,	/* a stop request's grace ran out */
	WAIT_LOST,	/* the port hung up: a line drop, a vanished device */
};

/* The end of a stop request's grace for this modem, 0 none; logs it once. */
static int64_t
stop_deadline(struct modem *m)
{
	int64_t end = loop_stop_deadline(m->conf.stop_grace * 1000LL);

	if (end != 0 && !m->stop_noted) {
		m->stop_noted = true;
		sd_notify_send("STOPPING=1");
		log_info("modem: %s: stop requested: finishing the send in "
		    "progress (at most %d s)", m->name, m->conf.stop_grace);
	}
	return end;
}

/*
 * One turn of a wait for a send's answer: how the wait ends (an enum
 * wait_end: cut short, the stop's grace or the deadline passed), or -1 and
 * in *end until when this turn may wait.
 */
static int
wait_turn(struct modem *m, int64_t deadline, int64_t *end)
{
	int64_t now, stop;

	if (m->aborted != MODEM_ABORT_NONE)
		return m->aborted == MODEM_ABORT_STOP ? WAIT_STOPPED :
		    WAIT_TIMEOUT;
	now = loop_now();
	stop = stop_deadline(m);
	if (stop != 0 && now >= stop)
		return WAIT_STOPPED;
	if (now >= deadline)
		return WAIT_TIMEOUT;
	*end = stop != 0 && stop < deadline ? stop : deadline;
	return -1;
}

/*
 * Wait for the send-status callback, sleeping until the port has
 * something to read (each GSM_ReadDevice costs a 64 kB clear), a signal
 * comes or a deadline passes: never a busy loop. Without a descriptor
 * (the dummy phone) it ticks every 20 ms.
 */
static enum wait_end
wait_send_status(struct modem *m, int64_t deadline)
{
	int64_t now, end;
	int r;

	for (;;) {
		if (m->send_done)
			return WAIT_ANSWERED;
		if (m->aborted == MODEM_ABORT_NONE && !GSM_IsConnected(m->sm))
			return WAIT_LOST;
		if ((r = wait_turn(m, deadline, &end)) != -1)
			return (enum wait_end)r;
		now = loop_now();
		r = loop_wait_readable(m->fd, m->fd >= 0 ?
		    (end - now < 1000 ? end - now : 1000) :
		    (end - now < 20 ? end - now : 20));
		if (r == -1)
			return WAIT_LOST;
		if (r == 1 || m->fd < 0)
			(void)feed_libgammu(m);
	}
}

/*
 * The direct send (modems.direct_send). libgammu's ATGEN_SendSMS sleeps
 * 100 ms after the "> " prompt, 500 ms after the PDU and 100 ms after
 * Ctrl-Z in every part, whatever the modem: 0.7 s a part, and no setting
 * or call of libgammu avoids it. So dossierd writes AT+CMGS itself on the
 * port libgammu has open, between libgammu's commands (one thread: none of
 * libgammu runs meanwhile), with the PDU libgammu's public
 * GSM_EncodeSMSFrame makes, laid out as its AT driver lays it out, and
 * reads the answer itself. What else comes meanwhile (+CMTI, +CDSI, +CDS)
 * goes where libgammu's callbacks would have put it.
 */
#define DIRECT_PROMPT_MS	5000	/* AT+CMGS=<n> -> "> " */
#define DIRECT_CMGF_MS		2000	/* AT+CMGF? -> +CMGF: 0, OK */
#define DIRECT_CHECKS		3	/* AT+CMGF? answers before giving up */
#define DIRECT_MISSES		3	/* prompts missed in a row before giving up */
#define DIRECT_DELETE_MS	5000	/* AT+CMGD -> OK, libgammu's own wait */

/* What the modem says on the port while dossierd reads it. */
struct rawport {
	struct modem	*m;
	char		 in[512];	/* read, not yet looked at */
	size_t		 inpos, inlen;
	char		 line[1024];	/* the line being put together */
	size_t		 len;
	bool		 done;		/* line holds a whole line, given out */
	bool		 cds;		/* the next line is a +CDS report's PDU */
};

enum raw_ev {
	RAW_LINE,	/* a whole line in line */
	RAW_PROMPT,	/* "> " */
	RAW_AGAIN,	/* nothing yet: look at the deadlines, ask again */
	RAW_LOST,	/* the port hung up or failed */
};

/*
 * The next line, or the prompt if asked for one; waits at most until end
 * (and at most a second, or until a signal).
 */
static enum raw_ev
raw_next(struct rawport *r, bool prompt, int64_t end)
{
	int64_t now;
	ssize_t n;
	char c;
	int w;

	if (r->done) {
		r->done = false;
		r->len = 0;
	}
	for (;;) {
		while (r->inpos < r->inlen) {
			c = r->in[r->inpos++];
			if (c == '\r' || c == '\n') {
				if (r->len == 0)
					continue;
				r->line[r->len] = '\0';
				r->done = true;
				return RAW_LINE;
			}
			if (r->len < sizeof(r->line) - 1)
				r->line[r->len++] = c;
			if (prompt && r->line[0] == '>' && (r->len == 2 ?
			    r->line[1] == ' ' : r->len == 1 && r->inpos == r->inlen)) {
				r->len = 0;
				return RAW_PROMPT;
			}
		}
		now = loop_now();
		if (now >= end)
			return RAW_AGAIN;
		w = loop_wait_readable(r->m->fd, end - now < 1000 ? end - now : 1000);
		if (w == -1)
			return RAW_LOST;
		if (w == 0)
			return RAW_AGAIN;
		n = read(r->m->fd, r->in, sizeof(r->in));
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			return RAW_LOST;
		r->inpos = 0;
		r->inlen = n > 0 ? (size_t)n : 0;
	}
}

/* Write all of buf; false if the port failed or did not take it by end. */
static bool
raw_write(struct modem *m, const char *buf, size_t len, int64_t end)
{
	struct pollfd p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(m->fd, buf, len)) > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return false;
		p.fd = m->fd;
		p.events = POLLOUT;
		if (loop_now() >= end || (poll(&p, 1, 100) == -1 && errno != EINTR))
			return false;
	}
	return true;
}

/*
 * A final result line: 0 for OK, an error's code (500, unknown, for a
 * bare ERROR); -1: not one.
 */
static int
final_result(const char *line)
{
	if (strcmp(line, "OK") == 0)
		return 0;
	if (strncmp(line, "+CMS ERROR:", 11) == 0 ||
	    strncmp(line, "+CME ERROR:", 11) == 0)
		return atoi(line + 11) > 0 ? atoi(line + 11) : 500;
	if (strcmp(line, "ERROR") == 0 || strcmp(line, "COMMAND NOT SUPPORT") == 0)
		return 500;
	return -1;
}

/*
 * A line that is not the answer being waited for: an unsolicited one, as
 * libgammu's AT driver would have dispatched it, or chatter (logged).
 */
static void
raw_unsolicited(struct rawport *r, const char *line)
{
	struct modem *m = r->m;
	GSM_SMSMessage sms;
	unsigned char pdu[200];
	char mem[3];
	const char *q;
	size_t i, n, pos = 0;

	memset(&sms, 0, sizeof(sms));
	if (r->cds) {
		/* +CDS: <length> then the report's PDU, SMSC first. */
		r->cds = false;
		if ((n = strlen(line) / 2) >= sizeof(pdu))
			n = sizeof(pdu) - 1;
		sms.State = SMS_UnRead;
		sms.InboxFolder = TRUE;
		sms.Folder = 1;
		if (DecodeHexBin(pdu, (const unsigned char *)line, 2 * n) &&
		    GSM_DecodePDUFrame(GSM_GetDI(m->sm), &sms, pdu, n, &pos,
		    TRUE) == ERR_NONE)
			incoming_sms_cb(m->sm, &sms, m);
		else
			log_warnx("modem: %s: a status report that does not "
			    "decode: %s", m->name, line);
		return;
	}
	if (strncmp(line, "+CDS:", 5) == 0) {
		r->cds = true;
		return;
	}
	if (strncmp(line, "+CMTI:", 6) == 0 || strncmp(line, "+CDSI:", 6) == 0) {
		/* +CMTI: "SM",3 */
		if ((q = strchr(line, '"')) != NULL) {
			for (i = 0, q++; *q != '"' && *q != '\0' && i < 2; )
				mem[i++] = *q++;
			mem[i] = '\0';
			sms.Memory = GSM_StringToMemoryType(mem);
			if ((q = strchr(line, ',')) != NULL) {
				sms.Location = atoi(q + 1);
				sms.InboxFolder = TRUE;
				sms.PDU = line[3] == 'D' ? SMS_Status_Report : 0;
				incoming_sms_cb(m->sm, &sms, m);
				return;
			}
		}
		/* Unreadable: the next inbox read finds the message anyway. */
		m->incoming = true;
		return;
	}
	log_debug("modem: %s: during a send the modem said: %s", m->name, line);
}

/* What came before a direct command is libgammu's to read: +CMTI and the like. */
static void
drain_to_libgammu(struct modem *m)
{
	int i;

	for (i = 0; i < 32 && loop_wait_readable(m->fd, 0) == 1; i++)
		(void)feed_libgammu(m);
}

/*
 * May the direct send be used on this connection: the modem in PDU mode
 * (AT+CMGF? answers 0; in text mode AT+CMGS=<n> would take <n> for a phone
 * number). libgammu sets the mode with its first SMS command, so an
 * unknown mode is asked again at the next send, DIRECT_CHECKS times.
 */
static bool
direct_ready(struct modem *m, struct rawport *r)
{
	static const char cmd[] = "AT+CMGF?\r";
	int64_t end = loop_now() + DIRECT_CMGF_MS;
	bool pdu = false;
	enum raw_ev ev;

	if (m->direct != DIRECT_UNKNOWN)
		return m->direct == DIRECT_ON;
	if (!raw_write(m, cmd, sizeof(cmd) - 1, end))
		return false;
	while (loop_now() < end && m->aborted == MODEM_ABORT_NONE) {
		if ((ev = raw_next(r, false, end)) == RAW_LOST)
			return false;
		if (ev != RAW_LINE)
			continue;
		if (strncmp(r->line, "+CMGF:", 6) == 0)
			pdu = atoi(r->line + 6) == 0;
		else if (strcmp(r->line, "OK") == 0 && pdu) {
			m->direct = DIRECT_ON;
			log_info("modem: %s: PDU mode: AT+CMGS written "
			    "directly (modems.direct_send)", m->name);
			return true;
		} else if (final_result(r->line) != -1)
			break;
		else if (strncmp(r->line, "AT", 2) != 0)
			raw_unsolicited(r, r->line);
	}
	if (++m->direct_checks >= DIRECT_CHECKS) {
		m->direct = DIRECT_OFF;
		log_info("modem: %s: not in PDU mode (AT+CMGF?): sending "
		    "through libgammu (0.7 s slower a part)", m->name);
	}
	return false;
}

/*
 * What is left of the last read, a line begun, or a +CDS report's PDU
 * line still to come: libgammu would never see it now. Read to the end of
 * that line (briefly), hand each on. Line ends left over begin nothing:
 * waiting on them cost 200 ms after every final "OK\r\n".
 */
static void
raw_finish(struct rawport *r)
{
	int64_t end = loop_now() + 200;
	enum raw_ev ev;

	for (;;) {
		if (r->done) {
			r->done = false;
			r->len = 0;
		}
		while (r->len == 0 && r->inpos < r->inlen &&
		    (r->in[r->inpos] == '\r' || r->in[r->inpos] == '\n'))
			r->inpos++;
		if (r->inpos >= r->inlen && r->len == 0 && !r->cds)
			break;
		if ((ev = raw_next(r, false, end)) == RAW_LINE)
			raw_unsolicited(r, r->line);
		else if (ev != RAW_AGAIN || loop_now() >= end)
			break;
	}
}

#ifdef HAVE_ATGEN_GETSMSLOCATION
/* libgammu's AT driver (libgammu/phone/at/at-sms.c): exported, in no header. */
GSM_Error ATGEN_GetSMSLocation(GSM_StateMachine *, GSM_SMSMessage *,
    unsigned char *, int *, gboolean);
#endif

/*
 * The direct delete (modems.direct_delete). libgammu's ATGEN_DeleteSMS
 * reads the message again (AT+CPMS, AT+CMGR, AT+CPMS) before its AT+CMGD:
 * four commands, each read of the port clearing 64 kB, where the listing
 * has just read it. Here libgammu's own ATGEN_GetSMSLocation turns the
 * message's location into the modem's index and selects its memory
 * (AT+CPMS only when libgammu's record of the selected memory differs, so
 * that record stays true), as its delete would; dossierd then writes the
 * AT+CMGD. Only on libgammu's plain AT module (at_plain) once the direct
 * send has found the port answering (direct_ready). True when it answered,
 * with the outcome in *e: ERR_NONE, or ERR_EMPTY for an index already
 * empty (+CMS ERROR 321); false: libgammu's GSM_DeleteSMS is to do it.
 */
static bool
direct_delete(struct modem *m, GSM_SMSMessage *sms, GSM_Error *e)
{
#ifdef HAVE_ATGEN_GETSMSLOCATION
	struct rawport r = { .m = m };
	unsigned char folder = 0;
	char cmd[32];
	int64_t end;
	int location = 0, len, code;
	enum raw_ev ev;

	if (!m->conf.direct_delete || !m->conf.direct_send || !m->at_plain ||
	    m->direct == DIRECT_OFF || m->ussd_waiting)
		return false;
	drain_to_libgammu(m);
	if (!direct_ready(m, &r))
		return false;
	/* As libgammu's delete asks: for writing where the memory allows it. */
	if (ATGEN_GetSMSLocation(m->sm, sms, &folder, &location, TRUE) !=
	    ERR_NONE && ATGEN_GetSMSLocation(m->sm, sms, &folder, &location,
	    FALSE) != ERR_NONE)
		return false;
	len = snprintf(cmd, sizeof(cmd), "AT+CMGD=%d\r", location);
	end = loop_now() + DIRECT_DELETE_MS;
	if (!raw_write(m, cmd, (size_t)len, end))
		return false;
	for (;;) {
		if ((ev = raw_next(&r, false, end)) == RAW_LOST)
			return false;
		if (ev == RAW_AGAIN) {
			if (loop_now() < end && m->aborted == MODEM_ABORT_NONE)
				continue;
			/* Unanswered: libgammu's delete reads it, then deletes. */
			log_warnx("modem: %s: no answer to AT+CMGD=%d within "
			    "%d s", m->name, location, DIRECT_DELETE_MS / 1000);
			return false;
		}
		if ((code = final_result(r.line)) != -1)
			break;
		if (strncmp(r.line, "AT", 2) != 0)	/* not our echo */
			raw_unsolicited(&r, r.line);
	}
	raw_finish(&r);
	if (code == 321) {
		*e = ERR_EMPTY;
		return true;
	}
	/* Refused: libgammu's delete says why (or deletes it its way). */
	*e = ERR_NONE;
	return code == 0;
#else
	(void)m, (void)sms, (void)e;
	return false;
#endif
}

/* direct_submit's results besides an enum wait_end. */
#define DIRECT_FALLBACK	(-1)	/* nothing written: send through libgammu */
#define DIRECT_NOT_SENT	(-2)	/* cut short before the PDU: not sent */

/*
 * One part through the direct send: DIRECT_FALLBACK, DIRECT_NOT_SENT, or
 * how the wait for the answer ended, with send_done, send_status and
 * send_mr set as libgammu's send-status callback sets them.
 */
static int
direct_submit(struct modem *m, GSM_SMSMessage *sms, int64_t deadline)
{
	GSM_SMSMessageLayout *l = &PHONE_SMSSubmit;
	unsigned char frame[1000], req[400];
	char hex[2 * sizeof(req) + 2], cmd[32];
	struct rawport r = { .m = m };
	int64_t end;
	int length = 0, n = 0, i, len, mr = -1, code;
	enum raw_ev ev;

	memset(frame, 0, sizeof(frame));
	if (GSM_EncodeSMSFrame(GSM_GetDI(m->sm), sms, frame, *l, &length,
	    TRUE) != ERR_NONE || (length -= l->Text) < 0 ||
	    frame[l->SMSCNumber] > 11 || frame[l->Number] > 20 ||
	    length > 140)
		return DIRECT_FALLBACK;	/* libgammu says what is wrong */
	/* The layout of libgammu's ATGEN_MakeSMSFrame, PDU mode. */
	for (i = 0; i < frame[l->SMSCNumber] + 1; i++)
		req[n++] = frame[l->SMSCNumber + i];
	req[n++] = frame[l->firstbyte];
	req[n++] = frame[l->TPMR];
	for (i = 0; i < (frame[l->Number] + 1) / 2 + 2; i++)
		req[n++] = frame[l->Number + i];
	req[n++] = frame[l->TPPID];
	req[n++] = frame[l->TPDCS];
	req[n++] = frame[l->TPVP];
	req[n++] = frame[l->TPUDL];
	for (i = 0; i < length; i++)
		req[n++] = frame[l->Text + i];
	EncodeHexBin(hex, req, (size_t)n);
	hex[2 * n] = '\x1a';	/* Ctrl-Z sends */
	drain_to_libgammu(m);
	if (!direct_ready(m, &r))
		return DIRECT_FALLBACK;
	len = snprintf(cmd, sizeof(cmd), "AT+CMGS=%d\r", n - (req[0] + 1));
	end = loop_now() + DIRECT_PROMPT_MS;
	if (end > deadline)
		end = deadline;
	if (!raw_write(m, cmd, (size_t)len, end))
		return DIRECT_FALLBACK;
	for (;;) {
		if (m->aborted != MODEM_ABORT_NONE)
			return DIRECT_NOT_SENT;
		if ((ev = raw_next(&r, true, end)) == RAW_PROMPT) {
			m->direct_misses = 0;
			break;
		}
		if (ev == RAW_LOST)
			return DIRECT_NOT_SENT;
		if (ev == RAW_AGAIN) {
			if (loop_now() < end)
				continue;
			/*
			 * No prompt: ESC leaves the command; this part goes
			 * libgammu's way, and every part after the third time
			 * in a row (a busy moment is not a modem without it).
			 */
			(void)raw_write(m, "\x1b", 1, loop_now() + 1000);
			if (++m->direct_misses >= DIRECT_MISSES)
				m->direct = DIRECT_OFF;
			log_warnx("modem: %s: no \"> \" prompt within %d s of "
			    "AT+CMGS: sending through libgammu %s", m->name,
			    DIRECT_PROMPT_MS / 1000, m->direct == DIRECT_OFF ?
			    "from now on" : "this time");
			return DIRECT_FALLBACK;
		}
		if ((code = final_result(r.line)) > 0) {
			/* Refused before the PDU: nothing was sent. */
			m->send_done = true;
			m->send_status = code;
			raw_finish(&r);
			return WAIT_ANSWERED;
		}
		if (strncmp(r.line, "AT", 2) != 0)	/* not our echo */
			raw_unsolicited(&r, r.line);
	}
	if (!raw_write(m, hex, 2 * (size_t)n + 1, deadline))
		return WAIT_LOST;
	for (;;) {
		if ((code = wait_turn(m, deadline, &end)) != -1)
			return code;
		if ((ev = raw_next(&r, false, end)) == RAW_LOST)
			return WAIT_LOST;
		if (ev != RAW_LINE)
			continue;
		if (r.cds)	/* a +CDS report's PDU (its SMSC may be ours) */
			raw_unsolicited(&r, r.line);
		else if (strncmp(r.line, "+CMGS:", 6) == 0)
			mr = atoi(r.line + 6);
		else if ((code = final_result(r.line)) != -1) {
			m->send_done = true;
			m->send_status = code;
			m->send_mr = code == 0 ? mr : -1;
			break;
		} else if (strncmp(r.line, hex, 2 * (size_t)n) != 0)
			raw_unsolicited(&r, r.line);	/* not the echo */
	}
	raw_finish(&r);
	return WAIT_ANSWERED;
}

/* How one part went. */
enum part_end {
	PART_SENT,
	PART_FAILED,	/* not sent: refused by the network or the modem */
	PART_UNANSWERED, /* handed over, never answered: uncertain */
};

static enum part_end
send_part(struct modem *m, GSM_SMSMessage *sms, const GSM_SMSC *smsc,
    int64_t deadline, struct send_outcome *out)
{
	GSM_Error e;
	int w;

	sms->SMSC = *smsc;
	sms->SMSC.Location = 0;
	/* libgammu's way to set TP-SRR: a submit that asks for a report. */
	sms->PDU = m->want_reports ? SMS_Status_Report : SMS_Submit;
	m->send_done = false;
	m->send_status = -1;
	m->send_mr = -1;
	w = DIRECT_FALLBACK;
	/* Not while a USSD answer is awaited: libgammu must read it. */
	if (m->conf.direct_send && m->fd >= 0 && m->direct != DIRECT_OFF &&
	    !m->ussd_waiting)
		w = direct_submit(m, sms, deadline);
	if (w == DIRECT_NOT_SENT) {
		snprintf(out->error, sizeof(out->error), "send: cut short "
		    "before the message was handed to the modem");
		out->cls = MODEM_RESET;
		out->stopped = m->aborted == MODEM_ABORT_STOP;
		return PART_FAILED;
	}
	if (w == DIRECT_FALLBACK) {
		if ((e = GSM_SendSMS(m->sm, sms)) != ERR_NONE) {
			snprintf(out->error, sizeof(out->error), "send: %s",
			    GSM_ErrorString(e));
			if (m->aborted != MODEM_ABORT_NONE) {
				/* Cut short inside libgammu: the PDU may have gone. */
				out->cls = MODEM_RESET;
				out->stopped = m->aborted == MODEM_ABORT_STOP;
				return PART_UNANSWERED;
			}
			out->cls = modem_classify(MODEM_OP_SEND, e, 0);
			return PART_FAILED;
		}
		w = wait_send_status(m, deadline);
	}
	switch ((enum wait_end)w) {
	case WAIT_ANSWERED:
		break;
	case WAIT_TIMEOUT:
		snprintf(out->error, sizeof(out->error), "no send status within "
		    "%d s", m->conf.send_timeout);
		out->cls = modem_classify(MODEM_OP_SEND_WAIT, ERR_TIMEOUT, 0);
		return PART_UNANSWERED;
	case WAIT_STOPPED:
		if (loop_stop_forced())
			snprintf(out->error, sizeof(out->error), "no send status "
			    "when a second stop request ended the wait");
		else
			snprintf(out->error, sizeof(out->error), "no send status "
			    "when the stop's grace (%d s) ended", m->conf.stop_grace);
		out->cls = MODEM_RESET;
		out->stopped = true;
		return PART_UNANSWERED;
	case WAIT_LOST:
		snprintf(out->error, sizeof(out->error), "the line dropped while "
		    "waiting for the send status");
		out->cls = modem_classify(MODEM_OP_SEND_WAIT, ERR_DEVICEREADERROR, 0);
		return PART_UNANSWERED;
	}
	if (m->send_status != 0) {
		out->cms = m->send_status;
		out->cls = modem_classify(MODEM_OP_SEND, ERR_NONE, m->send_status);
		snprintf(out->error, sizeof(out->error), "network refused: "
		    "+CMS ERROR %d%s", m->send_status, out->cls == MODEM_GIVEUP ?
		    " (permanent)" : "");
		return PART_FAILED;
	}
	return PART_SENT;
}

/* The concatenation reference of an encoded message, -1 if single. */
static int
concat_ref(const GSM_MultiSMSMessage *msms)
{
	const GSM_UDHHeader *u = &msms->SMS[0].UDH;

	if (msms->Number < 2)
		return -1;
	if (u->Type == UDH_ConcatenatedMessages16bit)
		return u->ID16bit;
	return u->Type == UDH_ConcatenatedMessages ? u->ID8bit : -1;
}

/* Give every part the reference ref again (resuming an interrupted message). */
static void
set_concat_ref(GSM_MultiSMSMessage *msms, int ref)
{
	int i;

	for (i = 0; i < msms->Number; i++) {
		GSM_UDHHeader *u = &msms->SMS[i].UDH;

		if (u->Type == UDH_ConcatenatedMessages16bit)
			u->ID16bit = ref;
		else if (u->Type == UDH_ConcatenatedMessages)
			u->ID8bit = ref;
		else
			continue;
		GSM_EncodeUDHHeader(NULL, u);
	}
}

/* Split text into msms as libgammu sends it. */
static GSM_Error
encode(const char *text, bool ucs2, GSM_MultiSMSMessage *msms)
{
	GSM_MultiPartSMSInfo info;
	unsigned char *buf;
	size_t len = strlen(text);
	GSM_Error e;

	if ((buf = calloc(2 * (len + 1) + 2, 1)) == NULL)
		return ERR_MOREMEMORY;
	DecodeUTF8(buf, text, len);
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.EntriesNum = 1;
	info.UnicodeCoding = ucs2;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = buf;
	e = GSM_EncodeMultiPartSMS(NULL, &info, msms);
	free(buf);
	return e;
}

/*
 * Whether to start another part while a stop request is pending: only if
 * the grace leaves room for it (what the last part took and 1 s more, at
 * least 2 s); otherwise the message stops at this boundary, nothing
 * uncertain, and the rest follows after the restart.
 */
static bool
room_for_part(struct modem *m, int64_t last_ms)
{
	int64_t stop = stop_deadline(m), need;

	if (stop == 0)
		return true;
	need = last_ms + 1000 > 2000 ? last_ms + 1000 : 2000;
	return stop - loop_now() >= need;
}

enum modem_class
modem_send(struct modem *m, const struct out_msg *msg, bool ucs2,
    modem_sent_cb cb, void *arg, struct send_outcome *out)
{
	GSM_MultiSMSMessage *msms;
	GSM_SMSC smsc;
	GSM_Error e;
	struct sent_part sp;
	int64_t deadline = loop_now() + m->conf.send_timeout * 1000LL, t0;
	int64_t last_ms = 0;
	int i, first = 0, ref;

	/* One deadline for all parts: a send stays well inside WatchdogSec. */
	memset(out, 0, sizeof(*out));
	out->cls = MODEM_OK;
	out->parts_sent = msg->parts_sent;
	if (m->sm == NULL || m->state != MODEM_READY) {
		snprintf(out->error, sizeof(out->error), "modem not ready");
		return out->cls = MODEM_RESET;
	}
	/* The SMSC is the SIM's: read once per connection (an AT round trip). */
	if (!m->smsc_read) {
		memset(&m->smsc, 0, sizeof(m->smsc));
		m->smsc.Location = 1;
		if ((e = GSM_GetSMSC(m->sm, &m->smsc)) == ERR_NONE)
			m->smsc_read = true;
		else if ((out->cls = modem_classify(MODEM_OP_SMSC, e, 0)) !=
		    MODEM_OK) {
			snprintf(out->error, sizeof(out->error), "reading SMSC: %s",
			    GSM_ErrorString(e));
			return out->cls;
		}
	}
	smsc = m->smsc;
	if ((msms = msg_buffer(m)) == NULL) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return out->cls = MODEM_RETRY;
	}
	e = encode(msg->text, ucs2, msms);
	if ((out->cls = modem_classify(MODEM_OP_ENCODE, e, 0)) != MODEM_OK) {
		snprintf(out->error, sizeof(out->error), "encoding: %s",
		    GSM_ErrorString(e));
		return out->cls;
	}
	out->parts_total = msms->Number;
	ref = concat_ref(msms);
	if (msg->parts_sent > 0 && msg->parts_total == msms->Number) {
		/* Resume after the parts the network already confirmed. */
		first = msg->parts_sent;
		if (ref >= 0 && msg->concat_ref >= 0) {
			ref = msg->concat_ref;
			set_concat_ref(msms, ref);
		}
	} else if (msg->parts_sent > 0) {
		log_warnx("modem: %s: message #%lld is split differently than "
		    "when it was started (%d parts, was %d): sending it whole",
		    m->name, (long long)msg->id, msms->Number, msg->parts_total);
		out->parts_sent = 0;
	}
	for (i = first; out->cls == MODEM_OK && i < msms->Number; i++) {
		if (i > first && !room_for_part(m, last_ms)) {
			snprintf(out->error, sizeof(out->error), "stopped after "
			    "part %d of %d; the rest follows after the restart",
			    i, msms->Number);
			out->stopped = true;
			out->cls = MODEM_RETRY;
			break;
		}
		EncodeUnicode(msms->SMS[i].Number, msg->number, strlen(msg->number));
		t0 = loop_now();
		switch (send_part(m, &msms->SMS[i], &smsc, deadline, out)) {
		case PART_SENT:
			last_ms = loop_now() - t0;
			out->parts_sent = i + 1;
			sp.part = i + 1;
			sp.total = msms->Number;
			sp.concat_ref = ref;
			sp.mr = m->send_mr;
			sp.modem = m->name;
			sp.report = m->want_reports && m->send_mr >= 0;
			if (cb != NULL)
				cb(arg, &sp);
			break;
		case PART_UNANSWERED:
			out->uncertain = true;
			break;
		case PART_FAILED:
			break;
		}
	}
	if (out->cls == MODEM_OK)
		m->last_send = time(NULL);
	else if (out->cls == MODEM_RESET)
		dz_strlcpy(m->last_error, out->error, sizeof(m->last_error));
	return out->cls;
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
modem_ussd_dial(struct modem *m, const char *code, char *errbuf, size_t errsz)
{
	char dial[64];
	GSM_Error e;

	if (m->sm == NULL || m->state != MODEM_READY) {
		snprintf(errbuf, errsz, "modem not ready");
		return MODEM_RESET;
	}
	snprintf(dial, sizeof(dial), "%s", code);
	m->ussd_done = false;
	m->ussd[0] = '\0';
	m->ussd_waiting = true;
	/* The answer can reach the callback before GSM_DialService returns. */
	if ((e = GSM_DialService(m->sm, dial)) != ERR_NONE) {
		m->ussd_waiting = false;
		/* libgammu reads +CUSD: 4 (not supported) as a network error. */
		snprintf(errbuf, errsz, "%s", e == ERR_NETWORK_ERROR ?
		    "the network refused it or does not support it (+CUSD: 4)" :
		    e == ERR_TIMEOUT ? "the network timed out (+CUSD: 5)" :
		    GSM_ErrorString(e));
		return modem_classify(MODEM_OP_USSD, e, 0);
	}
	return MODEM_OK;
}

int
modem_ussd_result(struct modem *m, char *out, size_t outsz, char *status,
    size_t statussz, enum modem_class *cls)
{
	dz_strlcpy(status, "", statussz);
	if (!m->ussd_done)
		return 0;
	m->ussd_waiting = false;
	*cls = MODEM_OK;
	switch (m->ussd_status) {
	case USSD_NotSupported:
		snprintf(out, outsz, "the network does not support this code "
		    "(+CUSD: 4)");
		*cls = MODEM_GIVEUP;
		return 1;
	case USSD_Timeout:
		snprintf(out, outsz, "the network timed out (+CUSD: 5)");
		*cls = MODEM_RETRY;
		return 1;
	case USSD_ActionNeeded:
		dz_strlcpy(status, "menu", statussz);
		break;
	case USSD_AnotherClient:
		dz_strlcpy(status, "another client", statussz);
		break;
	default:
		dz_strlcpy(status, "done", statussz);
		break;
	}
	snprintf(out, outsz, "%s", m->ussd);
	return 1;
}

void
modem_ussd_forget(struct modem *m)
{
	m->ussd_waiting = false;
	m->ussd_done = false;
}

enum modem_class
modem_ussd_cancel(struct modem *m, char *errbuf, size_t errsz)
{
	GSM_Error e;

	modem_ussd_forget(m);
	if (m->sm == NULL || m->state != MODEM_READY) {
		snprintf(errbuf, errsz, "modem not ready");
		return MODEM_RESET;
	}
	/*
	 * libgammu 1.42 has no call of its own for AT+CUSD=2; turning incoming
	 * USSD off sends it (then AT+CUSD=0), turning it on again AT+CUSD=1.
	 */
	if ((e = GSM_SetIncomingUSSD(m->sm, FALSE)) == ERR_NONE)
		e = GSM_SetIncomingUSSD(m->sm, TRUE);
	if (e != ERR_NONE) {
		snprintf(errbuf, errsz, "ending the USSD session: %s",
		    GSM_ErrorString(e));
		return modem_classify(MODEM_OP_USSD, e, 0);
	}
	return MODEM_OK;
}
