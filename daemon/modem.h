/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One GSM modem through libgammu: connect, read and delete stored SMS, send, status, USSD. */
#ifndef DZ_MODEM_H
#define DZ_MODEM_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <gammu.h>

#include "conf.h"
#include "loop.h"
#include "store.h"

enum modem_state {
	MODEM_DOWN,
	MODEM_OPENING,
	MODEM_READY,
	MODEM_BACKOFF,
};

/* What to do about a modem error; decided in modem_classify() only. */
enum modem_class {
	MODEM_OK,
	MODEM_RETRY,	/* try the same operation later, the connection is fine */
	MODEM_RESET,	/* the connection is broken: close, back off, reopen */
	MODEM_GIVEUP,	/* this cannot succeed: the message (bad number,
			   rejected by the network), or the SIM PIN */
};

/* What the modem was doing when an error came: it changes what the error means. */
enum modem_op {
	MODEM_OP_CONNECT,	/* opening the connection */
	MODEM_OP_PIN,		/* entering the SIM PIN */
	MODEM_OP_READ,		/* listing stored messages */
	MODEM_OP_DELETE,	/* deleting a stored message */
	MODEM_OP_SMSC,		/* reading the SMS centre before a send */
	MODEM_OP_ENCODE,	/* encoding a text into PDUs */
	MODEM_OP_SEND,		/* submitting a part, or the network's answer (cms) */
	MODEM_OP_SEND_WAIT,	/* no answer to a submitted part in time */
	MODEM_OP_STATUS,	/* signal and network queries */
	MODEM_OP_USSD,		/* dialling a USSD code */
	MODEM_OP_USSD_WAIT,	/* no USSD answer in time */
};

/* A status report the network sent for a part this modem sent. */
struct modem_report {
	int		 mr;		/* the part's message reference */
	int		 status;	/* TP-ST */
	time_t		 at;		/* when the network says it happened */
	char		 number[32];	/* the recipient, as the report has it */
};
#define MODEM_REPORTS_MAX	64	/* +CDS reports held until the next step */
#define MODEM_CMTI_SLOTS	256	/* SIM locations whose +CMTI order is kept */

struct modem {
	struct conf_modem	 conf;		/* points into the buffers below */
	char			 name[32];
	char			 device[256];
	char			 connection[64];
	char			 model[64];
	char			 pin[16];
	char			 features[128];	/* Gammu phone features, comma separated */
	GSM_StateMachine	*sm;
	GSM_MultiSMSMessage	*msms;		/* one message buffer (~260 kB) while connected */
	GSM_SMSC		 smsc;		/* read once per connection */
	bool			 smsc_read;
	enum modem_state	 state;
	int			 backoff;	/* s, grows on failed opens */
	int64_t			 retry_at;	/* monotonic ms of the next open */
	int			 reconnects;
	bool			 ever_connected;
	bool			 pin_rejected;	/* never retry a refused PIN: the SIM would lock */
	bool			 port_fault;	/* closed for a hang or a lost port: probe it */
	int64_t			 next_probe;	/* monotonic ms of the next probe */
	volatile sig_atomic_t	 aborted;	/* MODEM_ABORT_*: libgammu was told to abort */
	int			 fd;		/* the open port, -1 none (dummy) or unknown */
	bool			 stop_noted;	/* a stop request was logged */
	char			 last_error[160];
	bool			 incoming;	/* +CMTI seen: read the inbox now */
	/*
	 * The order +CMTI announced each SIM location in (a count, 0: not
	 * announced since it was last read): a listing comes in location
	 * order, and a freed low location holds a newer message than a high
	 * one still waiting.
	 */
	int64_t			 cmti_seq;
	int64_t			 cmti_at[MODEM_CMTI_SLOTS];
	int			 cmti_base;	/* listing location of +CMTI index 0 */
	int64_t			 next_poll;	/* monotonic ms of the next inbox read */
	int64_t			 next_status;
	int64_t			 next_send;	/* pacing */
	int			 signal;	/* percent, -1 unknown */
	char			 network[32];
	char			 operator_[64];
	time_t			 last_send;
	/* send status, written by libgammu's callback */
	bool			 send_done;
	int			 send_status;
	int			 send_mr;	/* the network's message reference */
	bool			 want_reports;	/* ask for a status report (sms.delivery_reports) */
	/*
	 * modems.direct_send on this connection: DIRECT_UNKNOWN until
	 * AT+CMGF? said PDU mode, DIRECT_OFF after that failed a few times or
	 * the prompt did not come three times in a row (libgammu's
	 * GSM_SendSMS then).
	 */
	int			 direct;
	int			 direct_checks;
	int			 direct_misses;	/* prompts missed in a row */
	/*
	 * libgammu's plain AT module over a serial port (connection "at..."
	 * or "dku2at", no Alcatel or Sony-Ericsson module): its AT state
	 * machine and SMS locations may be used directly.
	 */
	bool			 at_plain;
	/* status reports: +CDS ones as they came, +CDSI locations to read */
	struct modem_report	 reports[MODEM_REPORTS_MAX];
	int			 nreports;
	struct {
		int		 memory;	/* GSM_MemoryType */
		int		 location;
	}			 cdsi[MODEM_REPORTS_MAX];
	int			 ncdsi;
	bool			 reports_lost;	/* more came than could be kept: logged once */
	/* USSD answer, written by libgammu's callback */
	bool			 ussd_waiting;	/* a request of ours is out */
	int64_t			 ussd_req;	/* its state-database id, 0 none */
	int64_t			 ussd_deadline;	/* monotonic ms: no answer, give up */
	bool			 ussd_done;
	int			 ussd_status;	/* GSM_USSDStatus of the answer */
	int			 ussd_answered;	/* menu answers given in this request */
	char			 ussd[640];
};

/* Why a guarded call was cut short (struct modem's aborted). */
/* struct modem's direct. */
#define DIRECT_UNKNOWN	0
#define DIRECT_ON	1
#define DIRECT_OFF	2

#define MODEM_ABORT_NONE	0
#define MODEM_ABORT_HUNG	1	/* it overran its deadline */
#define MODEM_ABORT_STOP	2	/* a stop request's grace ran out */

/* What came of sending one message. */
struct send_outcome {
	enum modem_class cls;		/* MODEM_OK: every part confirmed */
	int		 parts_sent;	/* confirmed so far, earlier sends included */
	int		 parts_total;
	bool		 uncertain;	/* a part was handed over, never answered */
	bool		 stopped;	/* a stop request ended it: at a part
					   boundary (the rest can follow), or at
					   its grace's end (then uncertain) */
	int		 cms;		/* the network refused a part: +CMS ERROR code */
	char		 error[256];
};

/* Called after each part the network confirmed, to commit it. */
typedef void (*modem_sent_cb)(void *arg, const struct sent_part *p);

/* Called for each received part; return 0 once committed (the part is then deleted). */
typedef int (*modem_part_cb)(void *arg, const struct in_part *p);

/* Called for each report read; return 0 once committed (it is then deleted). */
typedef int (*modem_report_cb)(void *arg, const struct modem_report *r);

/*
 * Called around several parts or reports handed over at once, with no
 * modem I/O between: end false before the first, end true after the last.
 * Return 0; with end true, -1 means none of them is committed after all
 * (they stay on the SIM, or are handed over again at the next call).
 */
typedef int (*modem_batch_cb)(void *arg, bool end);

void	modem_init(struct modem *m, const struct conf_modem *c);
/*
 * The one place that says what an error means: libgammu's error e during
 * op, or for MODEM_OP_SEND the network's +CMS ERROR code cms (> 0; e is
 * then ERR_NONE).
 */
enum modem_class modem_classify(enum modem_op op, GSM_Error e, int cms);
/*
 * Whether the modem's serial device is there and answers "AT" with "OK"
 * within MODEM_PROBE_MS: the cheap check, while the modem is closed after
 * a hang or a line drop, that it can be opened again now. False for a
 * device that is not a character device (the dummy phone).
 */
bool	modem_probe(const struct modem *m);
/* Whether modem_probe can read m's port (a character device: not the dummy phone's directory). */
bool	modem_probeable(const struct modem *m);
#define MODEM_PROBE_MS		300
/* Connect (blocking; ~3 s on an AT modem). */
enum modem_class modem_open(struct modem *m);
void	modem_close(struct modem *m);
/* Let libgammu process unsolicited lines (+CMTI, +CUSD) without waiting. */
void	modem_pump(struct modem *m);
/* Read every stored received message; hand each part to cb; delete it once cb returns 0. Returns parts read or -1. */
int	modem_read_all(struct modem *m, modem_part_cb cb, modem_report_cb rcb,
	    modem_batch_cb bcb, void *arg, enum modem_class *cls);
/*
 * Hand the reports that came as +CDS lines (kept by libgammu's callback)
 * to cb. A report cb does not commit is kept for the next call.
 */
void	modem_take_reports(struct modem *m, modem_report_cb cb,
	    modem_batch_cb bcb, void *arg);
/*
 * Send msg, the parts not yet confirmed (msg->parts_sent, with the same
 * concatenation reference msg->concat_ref when it is split as before),
 * calling cb after each part the network confirms. Waiting for the
 * network's answer sleeps on the port. A stop request (loop.h) lets the
 * part in flight be answered within modems.stop_grace, starts another
 * part only if the grace leaves room for it, and otherwise ends at a part
 * boundary. Fills out; returns out->cls.
 */
enum modem_class modem_send(struct modem *m, const struct out_msg *msg,
	    bool ucs2, modem_sent_cb cb, void *arg, struct send_outcome *out);
/* Refresh signal, network and operator. */
enum modem_class modem_refresh(struct modem *m);
/*
 * Dial a USSD code (one bounded step). The answer arrives later, while
 * libgammu reads the port (modem_pump, or the wait of a send): SMS go on
 * meanwhile. MODEM_OK, or errbuf says why not (classified).
 */
enum modem_class modem_ussd_dial(struct modem *m, const char *code,
	    char *errbuf, size_t errsz);
/*
 * The answer to the code dialled: 0 none yet; 1 and *cls: MODEM_OK, out
 * is the answer (UTF-8, decoded by libgammu from GSM-7, UCS-2 or the
 * packed hex of some firmwares) and status the session's state ("done",
 * "menu": it asks for input and the session is still open: answer with
 * modem_ussd_dial or end it with modem_ussd_cancel, "another client");
 * MODEM_GIVEUP the code is not supported (+CUSD: 4), MODEM_RETRY the
 * network timed out (+CUSD: 5), out saying so.
 */
int	modem_ussd_result(struct modem *m, char *out, size_t outsz,
	    char *status, size_t statussz, enum modem_class *cls);
/* Stop waiting for an answer (a late one is then logged as unsolicited). */
void	modem_ussd_forget(struct modem *m);
/*
 * End the USSD session (AT+CUSD=2 through libgammu's "stop incoming
 * USSD", then incoming USSD on again): a menu left open would hold the
 * modem's session until the network times it out. Guarded by the caller.
 * MODEM_OK, or errbuf says why not (classified).
 */
enum modem_class modem_ussd_cancel(struct modem *m, char *errbuf,
	    size_t errsz);
const char	*modem_state_name(enum modem_state s);
/*
 * For loop_guard_arm: called from a signal handler when a modem call
 * overran its deadline or a stop's grace. Tells libgammu to abort (the
 * state machine is then unusable and is re-created by the next
 * modem_open) and sets m->aborted to MODEM_ABORT_HUNG or _STOP.
 */
void		 modem_abort(void *m, enum loop_guard_why why);

#endif
