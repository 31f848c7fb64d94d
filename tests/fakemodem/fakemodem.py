#!/usr/bin/env python3
"""fakemodem.py - a fake GSM modem on a pseudo-terminal, for testing dossierd.

It speaks enough of the V.250 / 3GPP 27.005 / 27.007 AT command set (PDU mode)
for libgammu's AT driver to connect, identify, list/read/delete stored SMS,
send SMS (single and concatenated, GSM-7 and UCS-2), run USSD and report
signal and network.  Everything that leaves the "radio" is decoded here,
independently of libgammu, and written as JSON lines to the event log.

Usage:
  fakemodem.py --link PATH --log LOGFILE --control SOCKPATH [options]
      serve; prints "ready" on stdout once PATH points at the pty slave
  fakemodem.py ctl SOCKPATH CMD [JSON | key=value | key:=json ...]
      send one control command, print the JSON answer (exit 0 if ok)
  fakemodem.py messages LOGFILE [--to NUMBER] [--all]
      reassemble the "sent" parts of the log into messages (JSON lines)
  fakemodem.py decode PDU [--no-sca]
      decode one SMS-SUBMIT / SMS-DELIVER / SMS-STATUS-REPORT PDU (hex), print JSON
  fakemodem.py at DEVICE CHUNK... [--eol cr|crlf|lf|none] [--escapes] [--finals N]
      talk raw AT to the device (one JSON answer per chunk)

Python 3 standard library only.  See README.md next to this file.
"""

import argparse
import ctypes
import datetime
import fcntl
import heapq
import json
import os
import random
import re
import select
import selectors
import signal
import socket
import stat as statmod
import struct
import sys
import termios
import time
import tty

# --------------------------------------------------------------------------
# GSM 03.38 default alphabet
# --------------------------------------------------------------------------

GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅå"
              "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
              " !\"#¤%&'()*+,-./"
              "0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNO"
              "PQRSTUVWXYZÄÖÑÜ§"
              "¿abcdefghijklmno"
              "pqrstuvwxyzäöñüà")
assert len(GSM7_BASIC) == 128
GSM7_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
            0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}
GSM7_ENC = {c: (i,) for i, c in enumerate(GSM7_BASIC) if i != 0x1B}
GSM7_ENC.update({c: (0x1B, i) for i, c in GSM7_EXT.items()})


def gsm7_septets(text):
    """Text -> list of septets, or None if a character is not in GSM-7."""
    out = []
    for ch in text:
        code = GSM7_ENC.get(ch)
        if code is None:
            return None
        out.extend(code)
    return out


def gsm7_text(septets):
    """List of septets -> text (escape sequences resolved)."""
    out = []
    i = 0
    while i < len(septets):
        s = septets[i]
        if s == 0x1B:
            if i + 1 < len(septets):
                nxt = septets[i + 1]
                # 3GPP 23.038: unknown extension -> show the basic character
                out.append(GSM7_EXT.get(nxt, GSM7_BASIC[nxt] if nxt != 0x1B else " "))
                i += 2
                continue
            out.append(" ")
            i += 1
            continue
        out.append(GSM7_BASIC[s])
        i += 1
    return "".join(out)


def pack7(septets, fill=0):
    """Pack septets LSB first, after `fill` zero bits (UDH alignment)."""
    acc = 0
    nbits = fill
    out = bytearray()
    for s in septets:
        acc |= (s & 0x7F) << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits > 0:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack7(data, count, skip_bits=0):
    acc = int.from_bytes(bytes(data), "little")
    return [(acc >> (skip_bits + 7 * i)) & 0x7F for i in range(count)]


def utf16_units(text):
    return len(text.encode("utf-16-be", "surrogatepass")) // 2


# --------------------------------------------------------------------------
# PDU helpers
# --------------------------------------------------------------------------

DEFAULT_SMSC = "+84980200030"
DEFAULT_TZ = datetime.timezone(datetime.timedelta(hours=7))
SEMI = "0123456789*#abc"


def bcd_digits(data, ndigits):
    out = []
    for b in data:
        for nib in (b & 0x0F, b >> 4):
            if len(out) >= ndigits or nib == 0x0F:
                break
            out.append(SEMI[nib] if nib < len(SEMI) else "?")
    return "".join(out[:ndigits])


def digits_bcd(digits):
    vals = []
    for ch in digits:
        idx = SEMI.find(ch)
        if idx < 0:
            raise ValueError("bad digit %r in number" % ch)
        vals.append(idx)
    if len(vals) % 2:
        vals.append(0x0F)
    return bytes(vals[i] | (vals[i + 1] << 4) for i in range(0, len(vals), 2))


ADDR_TYPES = {"international": 0x91, "national": 0xA1, "unknown": 0x81,
              "alphanumeric": 0xD0}


def classify_number(number):
    if number.startswith("+") and number[1:].isdigit():
        return "international"
    if number.isdigit():
        return "national" if number.startswith("0") else "unknown"
    return "alphanumeric"


def encode_address(number, kind=None):
    """TP-OA / TP-DA: length (semi-octets), type, value."""
    kind = kind or classify_number(number)
    toa = ADDR_TYPES[kind]
    if kind == "alphanumeric":
        sept = gsm7_septets(number)
        if sept is None:
            sept = gsm7_septets("".join(c if c in GSM7_ENC else "?" for c in number))
        sept = sept[:11]
        return bytes([(len(sept) * 7 + 3) // 4, toa]) + pack7(sept)
    digits = number.lstrip("+")
    return bytes([len(digits), toa]) + digits_bcd(digits)


def decode_address(data, pos):
    """Returns (number, kind, type_octet, new_pos)."""
    n = data[pos]
    toa = data[pos + 1]
    nbytes = (n + 1) // 2
    raw = data[pos + 2:pos + 2 + nbytes]
    if len(raw) < nbytes:
        raise ValueError("address truncated")
    ton = (toa >> 4) & 0x07
    if ton == 5:
        number = gsm7_text(unpack7(raw, (n * 4) // 7))
        kind = "alphanumeric"
    else:
        number = bcd_digits(raw, n)
        if ton == 1:
            number = "+" + number
            kind = "international"
        elif ton == 2:
            kind = "national"
        else:
            kind = "unknown"
    return number, kind, toa, pos + 2 + nbytes


def encode_sca(number):
    if not number:
        return b"\x00"
    digits = number.lstrip("+")
    body = bytes([0x91 if number.startswith("+") else 0x81]) + digits_bcd(digits)
    return bytes([len(body)]) + body


def encode_scts(dt):
    def bcd(v):
        return ((v % 10) << 4) | (v // 10)
    q = int(dt.utcoffset().total_seconds() // 900)
    tz = bcd(abs(q)) | (0x08 if q < 0 else 0)
    return bytes([bcd(dt.year % 100), bcd(dt.month), bcd(dt.day), bcd(dt.hour),
                  bcd(dt.minute), bcd(dt.second), tz])


def decode_scts(b):
    def unbcd(v):
        return (v & 0x0F) * 10 + (v >> 4)
    tzv = unbcd(b[6] & 0xF7) * 15 * (-1 if b[6] & 0x08 else 1)
    try:
        dt = datetime.datetime(2000 + unbcd(b[0]), unbcd(b[1]), unbcd(b[2]), unbcd(b[3]),
                               unbcd(b[4]), unbcd(b[5]),
                               tzinfo=datetime.timezone(datetime.timedelta(minutes=tzv)))
        return dt.isoformat()
    except ValueError:
        return b.hex().upper()


def dcs_info(dcs):
    """Returns (coding, class or None, compressed)."""
    g = dcs >> 4
    if g <= 7:  # general data coding (0-3) and automatic deletion (4-7)
        cls = (dcs & 3) if dcs & 0x10 else None
        alpha = (dcs >> 2) & 3
        coding = {0: "gsm7", 1: "8bit", 2: "ucs2", 3: "gsm7"}[alpha]
        return coding, cls, bool(dcs & 0x20)
    if g in (0xC, 0xD):
        return "gsm7", None, False
    if g == 0xE:
        return "ucs2", None, False
    if g == 0xF:
        return ("8bit" if dcs & 4 else "gsm7"), dcs & 3, False
    return "gsm7", None, False


def parse_udh(udh):
    ies = []
    i = 0
    concat = None
    while i + 1 < len(udh):
        iei = udh[i]
        ln = udh[i + 1]
        val = udh[i + 2:i + 2 + ln]
        ies.append({"iei": iei, "data": val.hex().upper()})
        if iei == 0x00 and ln == 3:
            concat = {"ref": val[0], "parts": val[1], "part": val[2], "ref_bits": 8}
        elif iei == 0x08 and ln == 4:
            concat = {"ref": (val[0] << 8) | val[1], "parts": val[2], "part": val[3], "ref_bits": 16}
        i += 2 + ln
    return ies, concat


def decode_user_data(dcs, udhi, udl, ud):
    """Returns dict with coding, text, payload (hex), udh info."""
    coding, cls, compressed = dcs_info(dcs)
    res = {"coding": coding, "class": cls}
    udh = b""
    if coding == "gsm7" and not compressed:
        nbytes = (udl * 7 + 7) // 8
        if len(ud) < nbytes:
            raise ValueError("user data shorter than UDL (%d septets need %d octets, got %d)"
                             % (udl, nbytes, len(ud)))
        if len(ud) > nbytes:
            raise ValueError("user data longer than UDL says (%d > %d octets)" % (len(ud), nbytes))
        hdr_septets = 0
        if udhi:
            udhl = ud[0]
            udh = ud[1:1 + udhl]
            hdr_septets = ((udhl + 1) * 8 + 6) // 7
        sept = unpack7(ud, udl)[hdr_septets:]
        res["text"] = gsm7_text(sept)
        res["payload"] = bytes(sept).hex().upper()
        res["length"] = len(sept)
    else:
        if len(ud) != udl:
            raise ValueError("user data length %d does not match UDL %d" % (len(ud), udl))
        body = ud
        if udhi:
            udhl = ud[0]
            udh = ud[1:1 + udhl]
            body = ud[1 + udhl:]
        res["payload"] = body.hex().upper()
        res["length"] = len(body)
        if coding == "ucs2" and not compressed:
            res["text"] = body.decode("utf-16-be", "surrogatepass")
        else:
            res["text"] = body.decode("latin-1")
            if compressed:
                res["coding"] = "compressed"
    ies, concat = parse_udh(udh) if udhi else ([], None)
    res["udh"] = udh.hex().upper() if udhi else None
    res["concat"] = concat
    return res


def decode_pdu(hexpdu, with_sca=True):
    """Decode an SMS-SUBMIT or SMS-DELIVER TPDU (hex string)."""
    data = bytes.fromhex(hexpdu)
    pos = 0
    out = {}
    if with_sca:
        scal = data[0]
        sca = data[1:1 + scal]
        if scal:
            num = bcd_digits(sca[1:], 2 * (scal - 1))
            out["smsc"] = ("+" if (sca[0] >> 4) & 7 == 1 else "") + num
        else:
            out["smsc"] = None
        pos = 1 + scal
    out["tpdu_length"] = len(data) - pos
    fo = data[pos]
    pos += 1
    mti = fo & 3
    udhi = bool(fo & 0x40)
    if mti == 1:
        out["type"] = "submit"
        out["mr"] = data[pos]
        pos += 1
        out["to"], out["to_type"], _, pos = decode_address(data, pos)
        out["pid"] = data[pos]
        dcs = data[pos + 1]
        pos += 2
        vpf = (fo >> 3) & 3
        out["srr"] = bool(fo & 0x20)
        out["reject_duplicates"] = bool(fo & 0x04)
        if vpf == 2:
            out["vp"] = data[pos]
            pos += 1
        elif vpf in (1, 3):
            out["vp"] = data[pos:pos + 7].hex().upper()
            pos += 7
        else:
            out["vp"] = None
    elif mti == 0:
        out["type"] = "deliver"
        out["from"], out["from_type"], _, pos = decode_address(data, pos)
        out["pid"] = data[pos]
        dcs = data[pos + 1]
        pos += 2
        out["time"] = decode_scts(data[pos:pos + 7])
        pos += 7
    elif mti == 2:
        return _decode_status_report(data, pos, fo, out)
    else:
        raise ValueError("unsupported TP-MTI %d" % mti)
    out["dcs"] = dcs
    udl = data[pos]
    pos += 1
    ud = data[pos:]
    out.update(decode_user_data(dcs, udhi, udl, ud))
    return out


def _decode_status_report(data, pos, fo, out):
    """The rest of an SMS-STATUS-REPORT TPDU, from TP-MR on."""
    out["type"] = "status_report"
    out["srq"] = bool(fo & 0x20)
    out["mr"] = data[pos]
    pos += 1
    out["to"], out["to_type"], _, pos = decode_address(data, pos)
    if len(data) < pos + 15:
        raise ValueError("status report truncated (TP-SCTS, TP-DT, TP-ST need 15 octets, %d left)"
                         % (len(data) - pos))
    out["time"] = decode_scts(data[pos:pos + 7])
    out["discharge_time"] = decode_scts(data[pos + 7:pos + 14])
    out["status"] = data[pos + 14]
    pos += 15
    out["pi"] = None
    if pos < len(data) and data[pos] != 0xFF:   # optional TP-PI (+ TP-PID, TP-DCS, TP-UDL)
        out["pi"] = data[pos]
        pos += 1
        if out["pi"] & 1 and pos < len(data):
            out["pid"] = data[pos]
            pos += 1
        if out["pi"] & 2 and pos < len(data):
            out["dcs"] = data[pos]
            pos += 1
    out["extra"] = data[pos:].hex().upper() or None
    return out


def split_for_sms(text, coding, ref16=False):
    """Split text into parts: returns (coding, [part units]) where a part is a
    list of septets (gsm7) or bytes (ucs2).  Multipart limits leave room for
    the concatenation header."""
    if coding in ("auto", None):
        coding = "gsm7" if gsm7_septets(text) is not None else "ucs2"
    if coding == "gsm7":
        sept = gsm7_septets(text)
        if sept is None:
            raise ValueError("text is not GSM-7 encodable; use coding ucs2 or auto")
        if len(sept) <= 160:
            return coding, [sept]
        limit = 152 if ref16 else 153
        parts = []
        i = 0
        while i < len(sept):
            j = min(i + limit, len(sept))
            if j < len(sept) and sept[j - 1] == 0x1B:
                j -= 1  # never split an escape sequence
            parts.append(sept[i:j])
            i = j
        return coding, parts
    if coding == "ucs2":
        raw = text.encode("utf-16-be", "surrogatepass")
        if len(raw) <= 140:
            return coding, [raw]
        limit = 132 if ref16 else 134
        parts = []
        i = 0
        while i < len(raw):
            j = min(i + limit, len(raw))
            if j < len(raw) and 0xD8 <= raw[j - 2] <= 0xDB:
                j -= 2  # never split a surrogate pair
            parts.append(raw[i:j])
            i = j
        return coding, parts
    raise ValueError("unknown coding %r" % coding)


def encode_deliver(sender, coding, unit, concat=None, when=None, smsc=DEFAULT_SMSC,
                   sender_type=None, msg_class=None, pid=0):
    """Build one SMS-DELIVER PDU (hex, with SCA).  concat = (ref, total, seq, bits)."""
    udh = b""
    if concat:
        ref, total, seq, bits = concat
        if bits == 16:
            udh = bytes([8, 4, (ref >> 8) & 0xFF, ref & 0xFF, total, seq])
        else:
            udh = bytes([0, 3, ref & 0xFF, total, seq])
    fo = 0x04 | (0x40 if udh else 0)
    dcs = 0x00 if coding == "gsm7" else 0x08
    if msg_class is not None:
        dcs |= 0x10 | (int(msg_class) & 3)
    when = when or datetime.datetime.now(DEFAULT_TZ)
    head = bytes([fo]) + encode_address(sender, sender_type) + bytes([pid, dcs]) + encode_scts(when)
    if coding == "gsm7":
        if udh:
            hdr = bytes([len(udh)]) + udh
            hdr_septets = (len(hdr) * 8 + 6) // 7
            fill = hdr_septets * 7 - len(hdr) * 8
            ud = hdr + pack7(unit, fill)
            udl = hdr_septets + len(unit)
        else:
            ud = pack7(unit)
            udl = len(unit)
    else:
        hdr = (bytes([len(udh)]) + udh) if udh else b""
        ud = hdr + bytes(unit)
        udl = len(ud)
    tpdu = head + bytes([udl]) + ud
    return (encode_sca(smsc) + tpdu).hex().upper(), len(tpdu)


def encode_status_report(mr, recipient, status, scts=None, dt=None, smsc=DEFAULT_SMSC,
                         recipient_type=None):
    """Build one SMS-STATUS-REPORT PDU (hex, with SCA), 3GPP TS 23.040 9.2.2.3:
    first octet (TP-MTI 10, TP-MMS, TP-SRQ 0 = the result of an SMS-SUBMIT),
    TP-MR, TP-RA, TP-SCTS, TP-DT, TP-ST; no TP-PI.  Returns (hex, TPDU length)."""
    now = datetime.datetime.now(DEFAULT_TZ)
    tpdu = (bytes([0x06, int(mr) & 0xFF]) + encode_address(recipient, recipient_type)
            + encode_scts(scts or now) + encode_scts(dt or now) + bytes([int(status) & 0xFF]))
    return (encode_sca(smsc) + tpdu).hex().upper(), len(tpdu)


# --------------------------------------------------------------------------
# Event log and reassembly
# --------------------------------------------------------------------------

class EventLog:
    def __init__(self, path):
        self.path = path
        # backslashreplace: a lone surrogate (a raw UCS-2 PDU) is written as
        # the JSON escape \udXXX, which json.loads reads back.
        self.fh = open(path, "a", encoding="utf-8", errors="backslashreplace") if path else None
        self.counts = {}
        self.listeners = []

    def emit(self, event, **fields):
        rec = {"event": event, "t": round(time.time(), 3)}
        rec.update(fields)
        if self.fh:
            self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            self.fh.flush()
        self.counts[event] = self.counts.get(event, 0) + 1
        for fn in list(self.listeners):
            fn(rec)
        return rec


def _decode_payload(coding, payload_hex):
    raw = bytes.fromhex(payload_hex or "")
    if coding == "gsm7":
        return gsm7_text(list(raw))
    if coding == "ucs2":
        return raw.decode("utf-16-be", "replace")
    return raw.decode("latin-1")


def reassemble(events, event_name="sent"):
    """Group logged parts (event `sent` by default) into messages.

    Returns a list of dicts in order of the first part's arrival:
    {"to", "text", "coding", "parts", "ref", "complete", "missing", "mrs"}.
    Parts of one message share (to, ref, ref_bits, parts); a part number seen
    twice starts a new message (references wrap around)."""
    messages = []
    open_groups = {}
    for ev in events:
        if ev.get("event") != event_name:
            continue
        who = ev.get("to", ev.get("from"))
        parts = ev.get("parts") or 1
        if parts <= 1 or ev.get("ref") is None:
            messages.append({"to": who, "text": ev.get("text"), "coding": ev.get("coding"),
                             "parts": 1, "ref": None, "complete": True, "missing": [],
                             "mrs": [ev.get("mr")], "_p": {1: ev}})
            continue
        key = (who, ev.get("ref"), ev.get("ref_bits"), parts)
        grp = open_groups.get(key)
        if grp is None or ev.get("part") in grp["_p"]:
            grp = {"to": who, "text": None, "coding": ev.get("coding"), "parts": parts,
                   "ref": ev.get("ref"), "complete": False, "missing": [], "mrs": [],
                   "_p": {}}
            open_groups[key] = grp
            messages.append(grp)
        grp["_p"][ev.get("part")] = ev
        if len(grp["_p"]) == parts:
            del open_groups[key]
    for m in messages:
        p = m.pop("_p")
        nums = range(1, m["parts"] + 1)
        m["missing"] = [n for n in nums if n not in p]
        m["complete"] = not m["missing"]
        m["mrs"] = [p[n].get("mr") for n in nums if n in p]
        codings = {p[n].get("coding") for n in nums if n in p}
        if len(codings) == 1 and all(p[n].get("payload") is not None for n in p):
            coding = codings.pop()
            payload = "".join(p[n]["payload"] for n in nums if n in p)
            m["text"] = _decode_payload(coding, payload)
        else:
            m["text"] = "".join(p[n].get("text") or "" for n in nums if n in p)
    return messages


def read_log(path):
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


# --------------------------------------------------------------------------
# Pseudo-terminal with open/close tracking
# --------------------------------------------------------------------------

IN_OPEN = 0x20
IN_CLOSE_WRITE = 0x08
IN_CLOSE_NOWRITE = 0x10

try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _libc.inotify_init1.argtypes = [ctypes.c_int]
    _libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
except (OSError, AttributeError):
    _libc = None


class Pty:
    """A pty pair.  We keep our own slave descriptor open so the master never
    sees a hang-up when the client closes (and so we can clear the exclusive
    flag libgammu sets with TIOCEXCL, which would otherwise make a non-root
    reopen fail with EBUSY).  Client opens and closes of the slave are
    tracked with inotify."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        self.name = os.ttyname(self.slave)
        tty.setraw(self.slave)
        for fd in (self.master,):
            fl = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        self.ino = -1
        self.clients = 0
        if _libc is not None:
            fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd >= 0:
                if _libc.inotify_add_watch(fd, self.name.encode(),
                                           IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) >= 0:
                    self.ino = fd
                else:
                    os.close(fd)
        if self.ino < 0:
            self.clients = 1  # cannot tell: assume someone listens

    def read_inotify(self):
        """Returns list of +1/-1 client count changes."""
        changes = []
        if self.ino < 0:
            return changes
        while True:
            try:
                data = os.read(self.ino, 4096)
            except BlockingIOError:
                break
            except OSError:
                break
            if not data:
                break
            i = 0
            while i + 16 <= len(data):
                _wd, mask, _cookie, ln = struct.unpack_from("iIII", data, i)
                i += 16 + ln
                if mask & IN_OPEN:
                    changes.append(+1)
                if mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE):
                    changes.append(-1)
        return changes

    def clear_exclusive(self):
        try:
            fcntl.ioctl(self.slave, termios.TIOCNXCL)
        except OSError:
            pass

    def close(self):
        for fd in (self.ino, self.master, self.slave):
            if fd is not None and fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.ino = self.master = self.slave = -1


# --------------------------------------------------------------------------
# The modem
# --------------------------------------------------------------------------

PROFILES = {
    "generic": {
        "manufacturer": "DOSSIER-FAKE",
        "model": "FM-1",
        "revision": "1.0.0-fake",
        "imei": "356938035643809",
        "index_base": 1,
        "ussd": "auto",
    },
    # Looks like a Huawei E173 USB stick: libgammu then enables F_SMS_LOCATION_0,
    # F_ENCODED_USSD, F_HUAWEI_INIT (AT^CURC=0, AT+CFUN=1, AT^PORTSEL=1).
    "huawei": {
        "manufacturer": "huawei",
        "model": "E173",
        "revision": "11.126.16.04.00",
        "imei": "861234567890123",
        "index_base": 0,
        "ussd": "packed",
    },
}

NETWORK_STATES = {"none": 0, "home": 1, "searching": 2, "denied": 3, "unknown": 4, "roaming": 5}
DEFAULT_USSD = {"*101#": {"text": "TK chinh: 25000d, HSD 31/12/2026", "status": 0}}
RESULT_OK = "OK"


class ATError(Exception):
    def __init__(self, final):
        Exception.__init__(self, final)
        self.final = final


def split_args(s):
    """Split an AT argument list on commas outside quotes; strip quotes."""
    out = []
    cur = []
    inq = False
    quoted = False
    for ch in s:
        if ch == '"':
            inq = not inq
            quoted = True
            continue
        if ch == "," and not inq:
            out.append("".join(cur) if quoted else "".join(cur).strip())
            cur = []
            quoted = False
            continue
        cur.append(ch)
    out.append("".join(cur) if quoted else "".join(cur).strip())
    return out


def parse_range(spec):
    """ "0,1,2" / "0-2" / "1" -> set of ints (the inside of an AT test answer)."""
    out = set()
    for item in str(spec).replace("(", "").replace(")", "").split(","):
        item = item.strip()
        if not item:
            continue
        if "-" in item:
            lo, hi = item.split("-", 1)
            out.update(range(int(lo), int(hi) + 1))
        else:
            out.add(int(item))
    return out


def intval(v):
    """An integer control parameter: JSON number, or a string such as "0x45"."""
    if isinstance(v, bool):
        raise ValueError("expected an integer, got %r" % v)
    return v if isinstance(v, int) else int(str(v), 0)


def split_commands(body):
    """Split what follows "AT" into single commands (basic and extended)."""
    cmds = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c in " ;":
            i += 1
            continue
        if c in "+^$*%#!":
            j = i
            inq = False
            while j < n and (inq or body[j] != ";"):
                if body[j] == '"':
                    inq = not inq
                j += 1
            cmds.append(body[i:j].strip())
            i = j
        elif c == "&":
            j = i + 2
            while j < n and body[j].isdigit():
                j += 1
            cmds.append(body[i:j])
            i = j
        elif c in "Dd":
            cmds.append(body[i:])
            break
        elif c in "Ss" and i + 1 < n and body[i + 1].isdigit():
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            if j < n and body[j] == "?":
                j += 1
            elif j < n and body[j] == "=":
                j += 1
                while j < n and body[j].isdigit():
                    j += 1
            cmds.append(body[i:j])
            i = j
        elif c.isalpha():
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            cmds.append(body[i:j])
            i = j
        else:
            cmds.append(body[i:])
            break
    return cmds


class Modem:
    def __init__(self, server, capacity=30, profile="generic"):
        self.server = server
        self.log = server.log
        self.prof = dict(PROFILES[profile])
        self.profile = profile
        self.capacity = capacity
        self.base = self.prof["index_base"]
        self.sim = {}          # index -> {"pdu", "stat", "meta"}
        self.pending = []      # deliveries waiting for a free slot
        self.mr = 0            # TP-MR the "network" hands out (+CMGS: <mr>)
        self.ref = random.randint(1, 200)
        self.fail_sends = []   # list of CMS error codes for the next sends
        self.no_prompt = 0     # the next AT+CMGS commands swallowed: no "> ", no answer
        self.fail_deletes = []  # CMS error codes for the next AT+CMGD (nothing deleted)
        self.network = "home"
        self.rssi = 20
        self.ber = 99
        self.sim_state = "ready"    # ready | pin | absent
        self.pin = "1234"
        self.operator = ("Viettel", "Viettel", "45204")
        self.lac, self.ci = "1A2B", "00C3D4E5"
        self.smsc = (DEFAULT_SMSC, 145)
        self.ussd_replies = {k: dict(v) for k, v in DEFAULT_USSD.items()}
        self.ussd_mode = self.prof["ussd"]   # auto | text | packed | ucs2
        self.latency = {"cmgs": 0.0, "ussd": 0.0}
        self.stats = {"commands": 0, "unknown_commands": 0, "sent_parts": 0,
                      "sent_messages": 0, "send_failures": 0, "received_parts": 0,
                      "received_messages": 0, "deleted": 0, "ussd": 0, "opens": 0,
                      "closes": 0, "connects": 0, "drops": 0, "cmti_sent": 0,
                      "cmti_lost": 0, "bad_pdus": 0, "garbage_lines": 0,
                      "discarded_bytes": 0, "status_reports": 0, "status_reports_cds": 0,
                      "status_reports_stored": 0, "status_reports_lost": 0,
                      "status_reports_withheld": 0, "cdsi_sent": 0, "cdsi_lost": 0,
                      "cnma": 0}
        self.report_rules = {}       # number or "*" -> {"status", "delay", "then", "then_delay", "none"}
        self.report_ds = "0,1,2"     # the <ds> values AT+CNMI=? offers
        self.reports_scheduled = 0   # status reports the "network" has yet to send
        self.last_report = None      # the last status_report event of a stored report
        self.hang_until = None
        self.hang_timer = None
        self.chatter_timer = None
        self.power_on_reset()

    # -- state ---------------------------------------------------------------

    def power_on_reset(self):
        """Settings a power cycle (or a USB re-enumeration) resets."""
        self.echo = True
        self.cmee = 0
        self.cscs = "IRA"
        self.cmgf = 0
        self.cnmi = [0, 0, 0, 0, 0]
        self.cpms = ["SM", "SM", "SM"]
        self.creg_n = 0
        self.cgreg_n = 0
        self.cops_format = 0
        self.cusd_n = 0
        self.ussd_session = None   # the menu path a status-1 answer left open
        self.cfun = 1
        self.cmms = 0
        self.reset_line()

    def reset_line(self):
        self.inbuf = ""
        self.pdu_mode = None   # None or {"len": n, "buf": [...]}
        self.busy = False
        self.busy_input = b""
        self.connected = False

    def save(self):
        self.server.save_state()

    def state_dict(self):
        return {"sim": {str(k): v for k, v in self.sim.items()}, "mr": self.mr,
                "ref": self.ref, "pending": self.pending}

    def load_state(self, d):
        self.sim = {int(k): v for k, v in d.get("sim", {}).items()}
        self.mr = d.get("mr", 0)
        self.ref = d.get("ref", self.ref)
        self.pending = d.get("pending", [])

    def slots(self):
        return range(self.base, self.base + self.capacity)

    def free_slot(self):
        for i in self.slots():
            if i not in self.sim:
                return i
        return None

    def unread(self):
        return sum(1 for v in self.sim.values() if v["stat"] == 0)

    @property
    def hanging(self):
        return self.hang_until is not None

    @property
    def registered(self):
        return self.network in ("home", "roaming") and self.cfun == 1 and self.sim_state != "absent"

    # -- output --------------------------------------------------------------

    def out(self, text):
        self.server.write_port(text.encode("latin-1", "replace"))

    def urc(self, line):
        """Unsolicited result code."""
        if self.hanging or not self.server.port_open():
            self.server.trace("> (unsolicited, not delivered) " + line)
            return False
        self.out("\r\n" + line + "\r\n")
        self.server.trace("> (unsolicited) " + line)
        return True

    @staticmethod
    def response(lines, final):
        s = ""
        if lines:
            s = "\r\n" + "\r\n".join(lines) + "\r\n"
        return s + "\r\n" + final + "\r\n"

    def cme(self, code):
        if self.cmee == 0:
            return ATError("ERROR")
        return ATError("+CME ERROR: %d" % code)

    @staticmethod
    def cms(code):
        return ATError("+CMS ERROR: %d" % code)

    # -- input ---------------------------------------------------------------

    def feed(self, data):
        if self.hanging:
            self.stats["discarded_bytes"] += len(data)
            return
        if self.busy:
            self.busy_input += data
            return
        text = data.decode("latin-1")
        i = 0
        while i < len(text):
            if self.busy:
                self.busy_input += text[i:].encode("latin-1")
                return
            if self.hanging:
                return
            ch = text[i]
            i += 1
            if self.pdu_mode is not None:
                self.feed_pdu(ch)
                continue
            if ch in "\r\n":
                line = self.inbuf
                self.inbuf = ""
                if line.strip():
                    self.command_line(line)
                continue
            if ch == "\x1b":       # ESC: abandon the line (gammu sends ESC CR on connect)
                self.inbuf = ""
                continue
            if ch == "\x08":
                self.inbuf = self.inbuf[:-1]
                continue
            if ch == "\x1a" or ch == "\x00":
                continue
            self.inbuf += ch
            if len(self.inbuf) > 2048:
                self.inbuf = ""

    def feed_pdu(self, ch):
        pm = self.pdu_mode
        if ch == "\x1a":
            pdu = "".join(pm["buf"])
            self.pdu_mode = None
            self.submit(pm["len"], pdu)
        elif ch == "\x1b":
            self.pdu_mode = None
            self.server.trace("pdu entry cancelled by ESC")
        elif ch in "\r\n \t":
            pass
        else:
            pm["buf"].append(ch)
            if self.echo:
                self.out(ch)

    def command_line(self, line):
        line = line.strip()
        if self.echo:
            self.out(line + "\r")
        self.server.trace("< " + line)
        if not self.connected:
            self.connected = True
            self.stats["connects"] += 1
            self.log.emit("connect", via="open", device=self.server.pty.name)
        if line.upper() == "A/":
            line = getattr(self, "last_line", "AT")
        if not line[:2].upper() == "AT":
            return  # real modems ignore what is not a command
        self.last_line = line
        body = line[2:]
        lines = []
        final = RESULT_OK
        after = []
        for cmd in split_commands(body):
            self.stats["commands"] += 1
            try:
                res = self.execute(cmd)
            except ATError as e:
                final = e.final
                break
            if res == "PROMPT":
                self.out("\r\n> ")
                return
            if res == "DEFER":
                return
            if res:
                rl, ra = res
                lines.extend(rl)
                after.extend(ra)
        self.out(self.response(lines, final))
        self.server.trace("> " + " | ".join(lines + [final]))
        for fn in after:
            fn()

    # -- command dispatch ----------------------------------------------------

    def execute(self, cmd):
        if not cmd:
            return None
        c0 = cmd[0]
        if c0 in "+^$*%#!":
            m = re.match(r"([+^$*%#!][A-Za-z0-9_]+)(.*)$", cmd, re.S)
            if not m:
                raise ATError("ERROR")
            name = m.group(1).upper()
            rest = m.group(2)
            if rest == "":
                kind, args = "exec", []
            elif rest == "?":
                kind, args = "read", []
            elif rest == "=?":
                kind, args = "test", []
            elif rest.startswith("="):
                kind, args = "set", split_args(rest[1:])
            else:
                raise ATError("ERROR")
            handler = EXT_COMMANDS.get(name)
            if handler is None:
                self.stats["unknown_commands"] += 1
                raise ATError("ERROR")
            return handler(self, kind, args)
        up = cmd.upper()
        if up.startswith("D"):
            raise ATError("NO CARRIER")
        if up in ("E0", "E"):
            self.echo = False
            return None
        if up == "E1":
            self.echo = True
            return None
        if up in ("Z", "Z0", "&F", "&F0"):
            self.power_on_reset()
            self.connected = True
            if up.startswith("Z"):
                self.stats["connects"] += 1
                self.log.emit("connect", via="atz", device=self.server.pty.name)
            return None
        if up in ("I", "I0"):
            p = self.prof
            return (["Manufacturer: " + p["manufacturer"], "Model: " + p["model"],
                     "Revision: " + p["revision"], "IMEI: " + p["imei"],
                     "+GCAP: +CGSM,+DS,+ES"], [])
        if up == "I3":
            return ([self.prof["manufacturer"]], [])
        if up == "I4":
            return ([self.prof["model"]], [])
        if up == "I5":
            return ([self.prof["revision"]], [])
        if up in ("V1", "V", "V0", "Q0", "Q", "X4", "X", "L0", "M0", "&C1", "&D2", "&D0", "&C0",
                  "&W", "&W0", "&V", "H", "H0") or up.startswith("S"):
            if up.startswith("S") and up.endswith("?"):
                return (["000"], [])
            return None
        if up == "A":
            raise ATError("NO CARRIER")
        self.stats["unknown_commands"] += 1
        raise ATError("ERROR")

    # -- helpers for handlers --------------------------------------------------

    def need_sim(self, sms=False):
        if self.sim_state == "absent":
            raise (self.cms(310) if sms else self.cme(10))
        if self.sim_state == "pin":
            raise (self.cms(311) if sms else self.cme(11))

    def decode_te_string(self, s):
        """A string parameter sent by the TE in the current +CSCS charset."""
        if self.cscs == "UCS2" and re.fullmatch(r"(?:[0-9A-Fa-f]{4})+", s or ""):
            try:
                return bytes.fromhex(s).decode("utf-16-be")
            except UnicodeDecodeError:
                return s
        if self.cscs == "HEX" and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", s or ""):
            return gsm7_text(list(bytes.fromhex(s)))
        return s

    def encode_te_string(self, s):
        if self.cscs == "UCS2":
            return s.encode("utf-16-be").hex().upper()
        if self.cscs == "HEX":
            sept = gsm7_septets(s)
            return bytes(sept).hex().upper() if sept is not None else s
        return s

    # -- SMS -----------------------------------------------------------------

    def next_ref(self):
        self.ref = (self.ref % 255) + 1
        return self.ref

    def store_or_queue(self, pdu, tpdu_len, meta, announce=True):
        idx = self.free_slot()
        if idx is None:
            self.pending.append({"pdu": pdu, "len": tpdu_len, "meta": meta})
            self.log.emit("pending", reason="sim_full", **meta)
            self.save()
            return None
        self.sim[idx] = {"pdu": pdu, "len": tpdu_len, "stat": 0, "meta": meta}
        if meta.get("type") == "status_report":
            self.stats["status_reports_stored"] += 1
            urc = self.announce_report(idx) if announce else False
            self.last_report = self.log.emit("status_report", via="cdsi", index=idx, urc=urc,
                                             pdu=pdu, **meta)
            self.save()
            return idx
        self.stats["received_parts"] += 1
        cmti = False
        if announce:
            cmti = self.announce(idx)
        self.log.emit("received", index=idx, cmti=cmti, **meta)
        self.save()
        return idx

    def announce(self, idx):
        mode, mt = self.cnmi[0], self.cnmi[1]
        if mode == 0 or mt == 0:
            return False
        if self.urc('+CMTI: "SM",%d' % idx):
            self.stats["cmti_sent"] += 1
            return True
        self.stats["cmti_lost"] += 1
        return False

    def announce_report(self, idx):
        """+CDSI for a status report stored in the SIM (AT+CNMI=<mode>,,,2)."""
        if self.cnmi[0] == 0 or self.cnmi[3] != 2:
            return False
        if self.urc('+CDSI: "SM",%d' % idx):
            self.stats["cdsi_sent"] += 1
            return True
        self.stats["cdsi_lost"] += 1
        return False

    def deliver_pending(self):
        changed = False
        while self.pending and self.free_slot() is not None:
            p = self.pending.pop(0)
            self.store_or_queue(p["pdu"], p["len"], p["meta"])
            changed = True
        if changed:
            self.save()

    def inject(self, p):
        sender = str(p.get("from") or "+84912345678")
        text = str(p.get("text", ""))
        coding = p.get("coding", "auto")
        ref16 = bool(p.get("ref16", False))
        coding, units = split_for_sms(text, coding, ref16)
        when = None
        if p.get("time"):
            when = datetime.datetime.fromisoformat(p["time"])
            if when.tzinfo is None:
                when = when.replace(tzinfo=DEFAULT_TZ)
        n = len(units)
        ref = None
        if n > 1:
            ref = int(p["ref"]) if p.get("ref") is not None else self.next_ref()
        order = list(range(n))
        if p.get("order") == "reverse":
            order.reverse()
        elif p.get("order") == "shuffle":
            random.shuffle(order)
        skip = {int(x) for x in p.get("drop_parts", [])}
        indexes = []
        queued = 0
        for k in order:
            if k + 1 in skip:
                continue
            concat = (ref, n, k + 1, 16 if ref16 else 8) if n > 1 else None
            pdu, tl = encode_deliver(sender, coding, units[k], concat, when,
                                     smsc=p.get("smsc", DEFAULT_SMSC),
                                     sender_type=p.get("from_type"),
                                     msg_class=p.get("class"))
            part_text = gsm7_text(units[k]) if coding == "gsm7" else bytes(units[k]).decode("utf-16-be", "replace")
            meta = {"from": sender, "from_type": p.get("from_type") or classify_number(sender),
                    "text": part_text, "coding": coding, "ref": ref, "part": k + 1, "parts": n}
            if p.get("filler"):
                meta["filler"] = True
            idx = self.store_or_queue(pdu, tl, meta)
            if idx is None:
                queued += 1
            else:
                indexes.append(idx)
        self.stats["received_messages"] += 1
        return {"parts": n, "coding": coding, "ref": ref, "indexes": indexes, "pending": queued}

    def inject_pdu(self, p):
        pdu = str(p["pdu"]).strip().upper()
        data = bytes.fromhex(pdu)
        tl = int(p.get("length", len(data) - 1 - data[0]))
        meta = {"raw": True}
        try:
            d = decode_pdu(pdu)
            meta.update({"from": d.get("from"), "text": d.get("text"), "coding": d.get("coding")})
        except (ValueError, IndexError) as e:
            meta["decode_error"] = str(e)
        idx = self.store_or_queue(pdu, tl, meta)
        return {"index": idx}

    def sim_fill(self, p):
        n = 0
        sender = p.get("from", "FILLER")
        while self.free_slot() is not None:
            n += 1
            self.inject({"from": sender, "text": p.get("text", "Filler message %d" % n),
                         "filler": True})
        return {"filled": n, "stored": len(self.sim)}

    def submit(self, declared_len, pdu_hex):
        """A PDU arrived after AT+CMGS=<len> ... Ctrl-Z."""
        ev = {"pdu": pdu_hex}
        err = None
        try:
            if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", pdu_hex):
                raise ValueError("PDU is not an even-length hex string")
            d = decode_pdu(pdu_hex)
            if d["type"] != "submit":
                raise ValueError("not an SMS-SUBMIT")
            if d["tpdu_length"] != declared_len:
                raise ValueError("AT+CMGS length %d but TPDU has %d octets"
                                 % (declared_len, d["tpdu_length"]))
        except (ValueError, IndexError, KeyError) as e:
            self.stats["bad_pdus"] += 1
            self.log.emit("bad_pdu", error=str(e), pdu=pdu_hex, declared_length=declared_len)
            self.finish_submit(self.response([], "+CMS ERROR: 304"))
            return
        c = d.get("concat") or {}
        ev = {"to": d["to"], "to_type": d["to_type"], "text": d["text"], "coding": d["coding"],
              "ref": c.get("ref"), "part": c.get("part", 1), "parts": c.get("parts", 1),
              "ref_bits": c.get("ref_bits"), "mr": None, "tp_mr": d["mr"], "length": d["length"],
              "class": d["class"], "srr": d["srr"], "vp": d["vp"], "pid": d["pid"],
              "dcs": d["dcs"], "smsc": d.get("smsc"), "payload": d["payload"], "pdu": pdu_hex}
        if self.sim_state != "ready":
            err = 310 if self.sim_state == "absent" else 311
        elif self.fail_sends:
            err = self.fail_sends.pop(0)
        elif not self.registered:
            err = 331
        if err is not None:
            self.stats["send_failures"] += 1
            self.log.emit("send_failed", code=err, **ev)
            self.finish_submit(self.response([], "+CMS ERROR: %d" % err))
            return
        mr = self.mr
        self.mr = (self.mr + 1) % 256
        ev["mr"] = mr   # the reference the network answers (+CMGS: <mr>)
        self.stats["sent_parts"] += 1
        if ev["part"] == ev["parts"]:
            self.stats["sent_messages"] += 1
        self.log.emit("sent", **ev)
        self.save()
        self.finish_submit(self.response(["+CMGS: %d" % mr], RESULT_OK))
        if ev["srr"]:
            self.schedule_reports(ev)

    # -- status reports (SMS-STATUS-REPORT) ---------------------------------------

    def report_rule(self, number):
        rule = {"status": 0, "delay": 0.5}
        rule.update(self.report_rules.get(number, self.report_rules.get("*", {})))
        return rule

    def schedule_reports(self, ev):
        """A part was sent with TP-SRR: the "network" answers with one status
        report (or two, with `then`) after the delay of the recipient's rule."""
        rule = self.report_rule(ev["to"])
        if rule.get("none"):
            self.stats["status_reports_withheld"] += 1
            return
        info = {"to": ev["to"], "to_type": ev["to_type"], "mr": ev["mr"], "ref": ev["ref"],
                "part": ev["part"], "parts": ev["parts"], "smsc": ev["smsc"],
                "scts": datetime.datetime.now(DEFAULT_TZ).isoformat()}
        # counted from the +CMGS answer (AT+CMGS latency included)
        delay = float(rule.get("delay", 0.5)) + float(self.latency.get("cmgs") or 0)
        steps = [(int(rule.get("status", 0)), delay)]
        if rule.get("then") is not None:
            steps.append((int(rule["then"]), delay + float(rule.get("then_delay", 1.0))))
        for step, (status, when) in enumerate(steps, 1):
            self.reports_scheduled += 1

            def fire(status=status, step=step):
                self.reports_scheduled -= 1
                self.status_report(info, status, step)
            self.server.call_later(when, fire)

    def status_report(self, info, status, step=1, injected=False):
        """Generate one status report now and route it by the CNMI <ds> in
        effect: 1 = +CDS, 2 = stored in the SIM + +CDSI, 0 = dropped."""
        smsc = info.get("smsc")
        if smsc is None:
            smsc = self.smsc[0]
        scts = None
        if info.get("scts"):
            scts = datetime.datetime.fromisoformat(info["scts"])
            if scts.tzinfo is None:
                scts = scts.replace(tzinfo=DEFAULT_TZ)
        pdu, tl = encode_status_report(info["mr"], info["to"], status, scts, None, smsc,
                                       info.get("to_type"))
        self.stats["status_reports"] += 1
        meta = {"type": "status_report", "to": info["to"],
                "to_type": info.get("to_type") or classify_number(info["to"]),
                "mr": info["mr"], "status": status, "step": step, "ref": info.get("ref"),
                "part": info.get("part"), "parts": info.get("parts"), "injected": injected,
                "ds": self.cnmi[3]}
        ds = self.cnmi[3]
        if ds == 2:
            idx = self.store_or_queue(pdu, tl, meta)
            urc = idx is not None and self.last_report["urc"]
            return {"via": "cdsi", "index": idx, "pending": idx is None, "urc": urc, "pdu": pdu}
        urc = False
        if ds == 1:
            via = "cds"
            line = "+CDS: %d\r\n%s" % (tl, pdu)
            urc = self.cnmi[0] != 0 and self.urc(line)
            if urc:
                self.stats["status_reports_cds"] += 1
        else:
            via = "none"
        if not urc:
            self.stats["status_reports_lost"] += 1
        self.log.emit("status_report", via=via, index=None, urc=urc, pdu=pdu, **meta)
        return {"via": via, "index": None, "urc": urc, "pdu": pdu}

    def finish_submit(self, text):
        delay = float(self.latency.get("cmgs") or 0)
        if delay > 0:
            self.busy = True

            def later():
                self.out(text)
                self.unbusy()
            self.server.call_later(delay, later)
        else:
            self.out(text)

    def unbusy(self):
        self.busy = False
        data, self.busy_input = self.busy_input, b""
        if data:
            self.feed(data)

    # -- USSD ----------------------------------------------------------------

    def decode_ussd_request(self, s):
        """Returns (code, encoding).  Accepts UCS-2 hex (AT+CSCS="UCS2"),
        GSM-7 packed hex (Huawei style, libgammu F_ENCODED_USSD) and plain."""
        ussd_re = re.compile(r"[*#0-9+]+")
        if re.fullmatch(r"(?:[0-9A-Fa-f]{4})+", s):
            try:
                t = bytes.fromhex(s).decode("utf-16-be")
                if ussd_re.fullmatch(t):
                    return t, "ucs2"
            except UnicodeDecodeError:
                pass
        if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", s) and not ussd_re.fullmatch(s):
            raw = bytes.fromhex(s)
            t = gsm7_text(unpack7(raw, (len(raw) * 8) // 7)).rstrip("\r@")
            if ussd_re.fullmatch(t):
                return t, "packed"
        if self.cscs == "HEX" and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", s):
            return gsm7_text(list(bytes.fromhex(s))), "hex"
        return s, "plain"

    def ussd_reply_line(self, status, text, encoding, dcs=None):
        if text is None:
            return "+CUSD: %d" % status
        if encoding == "packed":
            sept = gsm7_septets(text)
            if sept is not None:
                if len(sept) % 8 == 7:
                    sept = sept + [0x0D]   # 3GPP 23.038 CR padding
                return '+CUSD: %d,"%s",%d' % (status, pack7(sept).hex().upper(), 15 if dcs is None else dcs)
            encoding = "ucs2"
        if encoding == "ucs2" or gsm7_septets(text) is None or dcs == 72:
            return '+CUSD: %d,"%s",%d' % (status, text.encode("utf-16-be").hex().upper(), 72)
        return '+CUSD: %d,"%s",%d' % (status, self.encode_te_string(text), 15 if dcs is None else dcs)

    def ussd_request(self, n, s, dcs):
        code, enc = self.decode_ussd_request(s)
        self.stats["ussd"] += 1
        # Inside an open menu session an answer is looked up by its path,
        # "*100#>1>2"; a new code (starting with * or #) starts a new session.
        key = code
        if self.ussd_session is not None and code[:1] not in ("*", "#"):
            key = self.ussd_session + ">" + code
        rule = self.ussd_replies.get(key)
        self.log.emit("ussd", code=code, path=key, raw=s, encoding=enc, dcs=dcs,
                      presentation=n, charset=self.cscs, session=self.ussd_session,
                      answered=bool(rule) and not (rule or {}).get("noreply"))
        if not self.registered:
            raise self.cme(30)
        self.ussd_session = None
        if rule is None:
            line = "+CUSD: 4"
        elif rule.get("noreply"):
            self.ussd_session = key   # the network holds it until cancelled
            return
        else:
            mode = rule.get("encoding") or self.ussd_mode
            if mode == "auto":
                mode = "packed" if enc == "packed" else "text"
            status = int(rule.get("status", 0))
            if status == 1:
                self.ussd_session = key
            line = self.ussd_reply_line(status, rule.get("text"), mode,
                                        rule.get("dcs"))
        if n != 1:
            return  # result code presentation disabled: the answer is never shown

        def emit():
            if self.urc(line):
                self.log.emit("ussd_reply", code=code, line=line)
        delay = float(self.latency.get("ussd") or 0)
        if delay > 0:
            self.server.call_later(delay, emit)
        else:
            return emit


# -- extended command handlers ------------------------------------------------

def h_simple_ok(m, kind, args):
    return None


def h_cmee(m, kind, args):
    if kind == "read":
        return (["+CMEE: %d" % m.cmee], [])
    if kind == "test":
        return (["+CMEE: (0-2)"], [])
    if kind == "set":
        v = args[0] if args and args[0] != "" else "0"
        if v not in ("0", "1", "2"):
            raise ATError("ERROR")
        m.cmee = int(v)
    return None


def h_ident(key):
    def h(m, kind, args):
        if kind == "test":
            return None
        if kind != "exec":
            raise ATError("ERROR")
        return ([m.prof[key]], [])
    return h


def h_cimi(m, kind, args):
    if kind == "test":
        return None
    m.need_sim()
    return (["452040123456789"], [])


def h_ccid(m, kind, args):
    m.need_sim()
    return (["+CCID: 8984048000012345678"], [])


def h_cpin(m, kind, args):
    if kind == "read":
        if m.sim_state == "absent":
            raise m.cme(10)
        return (["+CPIN: " + ("SIM PIN" if m.sim_state == "pin" else "READY")], [])
    if kind == "test":
        return None
    if kind == "set":
        if m.sim_state == "absent":
            raise m.cme(10)
        if m.sim_state == "ready":
            return None
        if args and args[0] == m.pin:
            m.sim_state = "ready"
            m.log.emit("pin", ok=True)
            return None
        m.log.emit("pin", ok=False)
        raise m.cme(16)
    raise ATError("ERROR")


def h_cfun(m, kind, args):
    if kind == "read":
        return (["+CFUN: %d" % m.cfun], [])
    if kind == "test":
        return (["+CFUN: (0,1,4),(0-1)"], [])
    if kind == "set":
        fun = int(args[0] or "1")
        if fun not in (0, 1, 4):
            raise m.cme(4)
        if fun == 1 and m.sim_state == "absent":
            raise m.cme(10)
        m.cfun = fun
        if len(args) > 1 and args[1] == "1":
            m.power_on_reset()
            m.connected = True
        return None
    raise ATError("ERROR")


def h_cscs(m, kind, args):
    if kind == "read":
        return (['+CSCS: "%s"' % m.cscs], [])
    if kind == "test":
        return (['+CSCS: ("IRA","GSM","UCS2")'], [])
    if kind == "set":
        v = (args[0] if args else "").upper()
        if m.cscs == "UCS2" and re.fullmatch(r"(?:[0-9A-F]{4})+", v):
            v = bytes.fromhex(v).decode("utf-16-be", "replace").upper()
        if v not in ("IRA", "GSM", "UCS2"):
            raise m.cme(4)
        m.cscs = v
        return None
    raise ATError("ERROR")


def h_cmgf(m, kind, args):
    if kind == "read":
        return (["+CMGF: %d" % m.cmgf], [])
    if kind == "test":
        return (["+CMGF: (0)"], [])
    if kind == "set":
        if (args[0] if args else "0") != "0":
            raise ATError("ERROR")   # text mode not supported: libgammu uses PDU
        m.cmgf = 0
        return None
    raise ATError("ERROR")


def h_csms(m, kind, args):
    if kind == "read":
        return (["+CSMS: 0,1,1,1"], [])
    if kind == "test":
        return (["+CSMS: (0,1)"], [])
    if kind == "set":
        return (["+CSMS: 1,1,1"], [])
    raise ATError("ERROR")


def h_cpms(m, kind, args):
    if kind == "test":
        return (['+CPMS: ("SM"),("SM"),("SM")'], [])
    m.need_sim(sms=True)
    used, total = len(m.sim), m.capacity
    if kind == "read":
        return (['+CPMS: "%s",%d,%d,"%s",%d,%d,"%s",%d,%d'
                 % (m.cpms[0], used, total, m.cpms[1], used, total, m.cpms[2], used, total)], [])
    if kind == "set":
        mems = [a.upper() for a in args if a != ""]
        if not mems or any(x != "SM" for x in mems):
            raise m.cms(302)
        for i, x in enumerate(mems[:3]):
            m.cpms[i] = x
        return (["+CPMS: %d,%d,%d,%d,%d,%d" % (used, total, used, total, used, total)], [])
    raise ATError("ERROR")


def h_cnmi(m, kind, args):
    if kind == "read":
        return (["+CNMI: %s" % ",".join(str(x) for x in m.cnmi)], [])
    if kind == "test":
        # <ds> as set by the control command report_mode: libgammu takes 2
        # (+CDSI) when offered, else 1 (+CDS)
        return (["+CNMI: (0,1,2),(0,1,2,3),(0,2),(%s),(0,1)" % m.report_ds], [])
    if kind == "set":
        vals = list(m.cnmi)
        try:
            for i, a in enumerate(args[:5]):
                if a != "":
                    vals[i] = int(a)
        except ValueError:
            raise m.cms(303)
        if not (0 <= vals[0] <= 2 and 0 <= vals[1] <= 3) or vals[3] not in parse_range(m.report_ds):
            raise m.cms(303)
        m.cnmi = vals
        m.log.emit("cnmi", value=vals)
        return None
    raise ATError("ERROR")


def h_cnma(m, kind, args):
    """New message acknowledgement (after +CDS / +CMT): accepted, counted."""
    if kind == "test":
        return (["+CNMA: (0-2)"], [])
    if kind == "read":
        raise ATError("ERROR")
    m.stats["cnma"] += 1
    m.log.emit("cnma", args=args)
    return None


def h_cmgl(m, kind, args):
    if kind == "test":
        return (["+CMGL: (0-4)"], [])
    m.need_sim(sms=True)
    if kind == "exec":
        want = 0
    elif kind == "set":
        try:
            want = int(args[0])
        except (ValueError, IndexError):
            raise m.cms(302) if args and args[0].upper() in ("ALL", "REC UNREAD") else ATError("ERROR")
        if not 0 <= want <= 4:
            raise m.cms(302)
    else:
        raise ATError("ERROR")
    lines = []
    shown = []
    for idx in sorted(m.sim):
        e = m.sim[idx]
        if want != 4 and e["stat"] != want:
            continue
        lines.append("+CMGL: %d,%d,,%d" % (idx, e["stat"], e["len"]))
        lines.append(e["pdu"])
        shown.append(idx)
    for idx in shown:
        if m.sim[idx]["stat"] == 0:
            m.sim[idx]["stat"] = 1
    m.log.emit("list", stat=want, indexes=shown)
    if shown:
        m.save()
    return (lines, [])


def h_cmgr(m, kind, args):
    if kind == "test":
        return None
    if kind != "set":
        raise ATError("ERROR")
    m.need_sim(sms=True)
    try:
        idx = int(args[0])
    except (ValueError, IndexError):
        raise m.cms(321)
    if idx not in m.slots():
        raise m.cms(321)
    e = m.sim.get(idx)
    m.log.emit("read", index=idx, empty=e is None)
    if e is None:
        return None
    stat = e["stat"]
    if stat == 0:
        e["stat"] = 1
        m.save()
    return (["+CMGR: %d,,%d" % (stat, e["len"]), e["pdu"]], [])


def h_cmgd(m, kind, args):
    if kind == "test":
        return (["+CMGD: (%s),(0-4)" % ",".join(str(i) for i in sorted(m.sim))], [])
    if kind != "set":
        raise ATError("ERROR")
    m.need_sim(sms=True)
    try:
        idx = int(args[0])
        flag = int(args[1]) if len(args) > 1 and args[1] != "" else 0
    except (ValueError, IndexError):
        raise m.cms(321)
    if flag == 0 and idx not in m.slots():
        raise m.cms(321)
    if m.fail_deletes:
        code = m.fail_deletes.pop(0)
        m.log.emit("delete_failed", index=idx, code=code)
        raise m.cms(code)
    if flag == 0:
        victims = [idx] if idx in m.sim else []
    else:
        keep = {1: (0, 2, 3), 2: (0, 2), 3: (0,), 4: ()}.get(flag)
        if keep is None:
            raise m.cms(321)
        victims = [i for i, e in m.sim.items() if e["stat"] not in keep]
    for i in sorted(victims):
        del m.sim[i]
        m.stats["deleted"] += 1
        m.log.emit("deleted", index=i)
    if victims:
        m.save()
    if m.pending and victims:
        return ([], [m.deliver_pending])
    return None


def h_cmgs(m, kind, args):
    if kind == "test":
        return None
    if kind != "set":
        raise ATError("ERROR")
    m.need_sim(sms=True)
    try:
        n = int(args[0])
    except (ValueError, IndexError):
        raise m.cms(304)
    if not 7 <= n <= 176:
        raise m.cms(304)
    if m.no_prompt > 0:
        m.no_prompt -= 1
        m.log.emit("no_prompt", length=n)
        return "DEFER"     # a modem too busy to answer: no prompt, nothing at all
    m.pdu_mode = {"len": n, "buf": []}
    return "PROMPT"


def h_cmgw(m, kind, args):
    if kind == "test":
        return None
    raise m.cms(302)


def h_csca(m, kind, args):
    if kind == "read":
        return (['+CSCA: "%s",%d' % (m.encode_te_string(m.smsc[0]), m.smsc[1])], [])
    if kind == "test":
        return None
    if kind == "set":
        num = m.decode_te_string(args[0]) if args else ""
        toa = int(args[1]) if len(args) > 1 and args[1] else (145 if num.startswith("+") else 129)
        m.smsc = (num, toa)
        return None
    raise ATError("ERROR")


def h_csmp(m, kind, args):
    if kind == "read":
        return (["+CSMP: 17,167,0,0"], [])
    return None


def h_cmms(m, kind, args):
    if kind == "read":
        return (["+CMMS: %d" % m.cmms], [])
    if kind == "test":
        return (["+CMMS: (0-2)"], [])
    if kind == "set":
        m.cmms = int(args[0] or 0)
    return None


def h_csq(m, kind, args):
    if kind == "test":
        return (["+CSQ: (0-31,99),(0-7,99)"], [])
    if not m.registered and m.network == "none":
        return (["+CSQ: 99,99"], [])
    return (["+CSQ: %d,%d" % (m.rssi, m.ber)], [])


def creg_line(m, prefix, n, unsolicited=False):
    """+CREG / +CGREG answer (read command) or unsolicited code (no <n>)."""
    st = NETWORK_STATES[m.network] if m.cfun == 1 and m.sim_state != "absent" else 0
    head = "%s: " % prefix if unsolicited else "%s: %d," % (prefix, n)
    if n == 2 and st in (1, 5):
        return '%s%d,"%s","%s",2' % (head, st, m.lac, m.ci)
    return "%s%d" % (head, st)


def h_creg(m, kind, args, attr="creg_n", prefix="+CREG"):
    if kind == "read":
        return ([creg_line(m, prefix, getattr(m, attr))], [])
    if kind == "test":
        return (["%s: (0-2)" % prefix], [])
    if kind == "set":
        v = int(args[0] or 0)
        if not 0 <= v <= 2:
            raise m.cme(4)
        setattr(m, attr, v)
        return None
    raise ATError("ERROR")


def h_cgreg(m, kind, args):
    return h_creg(m, kind, args, "cgreg_n", "+CGREG")


def h_cgatt(m, kind, args):
    if kind == "read":
        return (["+CGATT: %d" % (1 if m.registered else 0)], [])
    if kind == "test":
        return (["+CGATT: (0,1)"], [])
    return None


def h_cops(m, kind, args):
    longname, shortname, numeric = m.operator
    if kind == "read":
        if not m.registered:
            return (["+COPS: 0"], [])
        name = {0: longname, 1: shortname, 2: numeric}[m.cops_format]
        return (['+COPS: 0,%d,"%s",2' % (m.cops_format, m.encode_te_string(name) if m.cops_format != 2 else name)], [])
    if kind == "test":
        return (['+COPS: (2,"%s","%s","%s",2),,(0-4),(0-2)' % (longname, shortname, numeric)], [])
    if kind == "set":
        mode = int(args[0] or 0)
        if mode == 3 and len(args) > 1:
            f = int(args[1] or 0)
            if f not in (0, 1, 2):
                raise m.cme(4)
            m.cops_format = f
        return None
    raise ATError("ERROR")


def h_cbc(m, kind, args):
    if kind == "test":
        return (["+CBC: (0-3),(0-100)"], [])
    return (["+CBC: 0,100"], [])


def h_cclk(m, kind, args):
    if kind == "read":
        now = datetime.datetime.now(DEFAULT_TZ)
        return (['+CCLK: "%s+28"' % now.strftime("%y/%m/%d,%H:%M:%S")], [])
    return None


def h_cusd(m, kind, args):
    if kind == "read":
        return (["+CUSD: %d" % m.cusd_n], [])
    if kind == "test":
        return (["+CUSD: (0-2)"], [])
    if kind == "exec":
        return None
    if kind == "set":
        try:
            n = int(args[0]) if args and args[0] != "" else 0
        except ValueError:
            raise ATError("ERROR")
        if n not in (0, 1, 2):
            raise ATError("ERROR")
        if n in (0, 1):
            m.cusd_n = n
        if n == 2:
            m.log.emit("ussd_cancel", session=m.ussd_session)
            m.ussd_session = None
            return None
        if len(args) >= 2 and args[1] != "":
            dcs = int(args[2]) if len(args) > 2 and args[2] != "" else 15
            emit = m.ussd_request(n, args[1], dcs)
            return ([], [emit] if emit else [])
        return None
    raise ATError("ERROR")


def h_chup(m, kind, args):
    return None


def h_phonebook(m, kind, args):
    raise m.cme(4)


EXT_COMMANDS = {
    "+CMEE": h_cmee,
    "+CGMI": h_ident("manufacturer"), "+GMI": h_ident("manufacturer"),
    "+CGMM": h_ident("model"), "+GMM": h_ident("model"),
    "+CGMR": h_ident("revision"), "+GMR": h_ident("revision"),
    "+CGSN": h_ident("imei"), "+GSN": h_ident("imei"),
    "+CIMI": h_cimi, "+CCID": h_ccid, "^ICCID": h_ccid,
    "+CPIN": h_cpin, "+CFUN": h_cfun, "+CSCS": h_cscs,
    "+CMGF": h_cmgf, "+CSMS": h_csms, "+CPMS": h_cpms, "+CNMI": h_cnmi, "+CNMA": h_cnma,
    "+CMGL": h_cmgl, "+CMGR": h_cmgr, "+CMGD": h_cmgd, "+CMGS": h_cmgs,
    "+CMGW": h_cmgw, "+CMSS": h_cmgw,
    "+CSCA": h_csca, "+CSMP": h_csmp, "+CMMS": h_cmms, "+CSDH": h_simple_ok,
    "+CSQ": h_csq, "+CREG": h_creg, "+CGREG": h_cgreg, "+CGATT": h_cgatt,
    "+COPS": h_cops, "+CBC": h_cbc, "+CCLK": h_cclk, "+CUSD": h_cusd,
    "+CHUP": h_chup, "+CLIP": h_simple_ok, "+CRC": h_simple_ok, "+CCWA": h_simple_ok,
    "+CPBS": h_phonebook, "+CPBR": h_phonebook, "+CPBW": h_phonebook,
    "^CURC": h_simple_ok, "^PORTSEL": h_simple_ok,
}


# --------------------------------------------------------------------------
# Server: pty, control socket, timers
# --------------------------------------------------------------------------

class Server:
    def __init__(self, opts):
        self.opts = opts
        self.link = os.path.abspath(opts.link)
        self.log = EventLog(opts.log)
        self.tracefh = open(opts.trace, "a", encoding="utf-8") if opts.trace else None
        self.sel = selectors.DefaultSelector()
        self.timers = []
        self.timer_seq = 0
        self.pty = None
        self.outbuf = b""
        self.vanished = False
        self.state_path = os.path.join(opts.state_dir, "sim.json") if opts.state_dir else None
        self.modem = Modem(self, capacity=opts.sim_capacity, profile=opts.profile)
        if self.state_path and os.path.exists(self.state_path):
            with open(self.state_path, encoding="utf-8") as fh:
                self.modem.load_state(json.load(fh))
        self.waiters = []
        self.log.listeners.append(self.check_waiters)
        self.running = True

    # -- utilities ---------------------------------------------------------------

    def trace(self, msg):
        if self.tracefh:
            self.tracefh.write("%.3f %s\n" % (time.time(), msg.encode("unicode_escape").decode("ascii")))
            self.tracefh.flush()

    def call_later(self, delay, fn):
        self.timer_seq += 1
        entry = [time.monotonic() + max(0.0, delay), self.timer_seq, fn, True]
        heapq.heappush(self.timers, entry)
        return entry

    @staticmethod
    def cancel(entry):
        if entry:
            entry[3] = False

    def save_state(self):
        if not self.state_path:
            return
        tmp = self.state_path + ".tmp"
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace") as fh:
            json.dump(self.modem.state_dict(), fh, ensure_ascii=False)
        os.replace(tmp, self.state_path)

    # -- pty -------------------------------------------------------------------

    def port_open(self):
        return self.pty is not None and self.pty.clients > 0

    def new_pty(self, pty_obj=None):
        self.pty = pty_obj or Pty()
        self.sel.register(self.pty.master, selectors.EVENT_READ, ("master", self.pty))
        if self.pty.ino >= 0:
            self.sel.register(self.pty.ino, selectors.EVENT_READ, ("inotify", self.pty))
        tmp = self.link + ".tmp%d" % os.getpid()
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.symlink(self.pty.name, tmp)
        os.replace(tmp, self.link)
        self.vanished = False
        self.log.emit("device", path=self.pty.name, link=self.link)

    def close_pty(self):
        if self.pty is None:
            return
        for fd in (self.pty.master, self.pty.ino):
            if fd is not None and fd >= 0:
                try:
                    self.sel.unregister(fd)
                except (KeyError, ValueError):
                    pass
        if self.pty.clients > 0:
            self.modem.stats["closes"] += 1
        self.pty.close()
        self.pty = None
        self.outbuf = b""
        self.modem.power_on_reset()

    def write_port(self, data):
        if not self.port_open():
            self.trace("dropped output (port closed): %r" % data)
            return
        self.outbuf += data
        self.flush_port()

    def flush_port(self):
        while self.outbuf and self.pty is not None:
            try:
                n = os.write(self.pty.master, self.outbuf)
            except BlockingIOError:
                break
            except OSError:
                self.outbuf = b""
                break
            self.outbuf = self.outbuf[n:]
        if self.pty is not None:
            ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outbuf else 0)
            try:
                self.sel.modify(self.pty.master, ev, ("master", self.pty))
            except (KeyError, ValueError):
                pass

    def handle_inotify(self, p):
        for delta in p.read_inotify():
            before = p.clients
            p.clients = max(0, p.clients + delta)
            if before == 0 and p.clients > 0:
                self.modem.stats["opens"] += 1
                self.modem.reset_line()
                self.outbuf = b""
                self.log.emit("open", device=p.name)
            elif before > 0 and p.clients == 0:
                self.modem.stats["closes"] += 1
                p.clear_exclusive()
                self.modem.reset_line()
                self.outbuf = b""
                self.log.emit("close", device=p.name)

    def handle_master(self, p, mask):
        if mask & selectors.EVENT_WRITE:
            self.flush_port()
        if not mask & selectors.EVENT_READ:
            return
        if p.ino >= 0:
            self.handle_inotify(p)
        try:
            data = os.read(p.master, 4096)
        except BlockingIOError:
            return
        except OSError:
            return
        if not data:
            return
        if not self.port_open():
            return
        self.modem.feed(data)

    # -- faults --------------------------------------------------------------

    def hang(self, seconds, chatter=False, interval=1.0):
        m = self.modem
        self.cancel(m.hang_timer)
        self.cancel(m.chatter_timer)
        m.hang_until = float("inf") if seconds is None else time.monotonic() + seconds
        m.reset_line()
        self.outbuf = b""
        self.log.emit("hang", seconds=seconds, chatter=chatter)
        if seconds is not None:
            m.hang_timer = self.call_later(seconds, self.unhang)
        if chatter:
            def tick():
                if m.hang_until is None:
                    return
                if self.port_open():
                    self.outbuf += ("\r\n^RSSI:%d\r\n" % m.rssi).encode()
                    self.flush_port()
                m.chatter_timer = self.call_later(interval, tick)
            m.chatter_timer = self.call_later(interval, tick)

    def unhang(self):
        m = self.modem
        if m.hang_until is None:
            return
        m.hang_until = None
        self.cancel(m.hang_timer)
        self.cancel(m.chatter_timer)
        self.log.emit("hang_end")

    def drop(self):
        old = self.pty.name if self.pty else None
        # Allocate the new pty before releasing the old one, so that (like a
        # re-enumerated USB modem) it normally gets a different name.
        spare = Pty()
        self.close_pty()
        self.modem.stats["drops"] += 1
        self.new_pty(spare)
        self.log.emit("drop", old=old, new=self.pty.name)
        return {"old": old, "device": self.pty.name}

    def vanish(self, seconds):
        old = self.pty.name if self.pty else None
        self.close_pty()
        try:
            os.unlink(self.link)
        except FileNotFoundError:
            pass
        self.vanished = True
        self.modem.stats["drops"] += 1
        self.log.emit("vanish", old=old, seconds=seconds)

        def back():
            if self.vanished:
                self.new_pty()
                self.log.emit("appear", device=self.pty.name)
        if seconds is not None:
            self.call_later(seconds, back)
        return {"old": old}

    def garbage(self, lines, kind="mixed"):
        urcs = ["^RSSI:%d" % self.modem.rssi, "^BOOT:27710117,0,0,0,75", "^MODE:5,4",
                "^DSFLOWRPT:00000124,00000082,00000EA6,0000000000012325,000000000022771D,0000BB80,0001F400",
                "^SRVST:2", "^SIMST:1", '^HCSQ:"WCDMA",39,29,45', "^CSNR:-93,-23"]
        out = []
        for i in range(lines):
            k = kind
            if kind == "mixed":
                k = "urc" if i % 3 != 2 else "random"
            if k == "urc":
                out.append("\r\n" + random.choice(urcs) + "\r\n")
            else:
                junk = bytes(random.choice([x for x in range(1, 256) if x not in (10, 13)])
                             for _ in range(random.randint(4, 24)))
                out.append(junk.decode("latin-1") + "\r\n")
        if self.port_open() and not self.modem.hanging:
            self.outbuf += "".join(out).encode("latin-1")
            self.flush_port()
            self.modem.stats["garbage_lines"] += lines
            self.log.emit("garbage", lines=lines, kind=kind)
            return {"emitted": lines}
        return {"emitted": 0}

    # -- control ---------------------------------------------------------------

    def check_waiters(self, rec):
        for w in list(self.waiters):
            if w["event"] == rec["event"] and self.log.counts.get(w["event"], 0) >= w["count"]:
                self.finish_wait(w, True)

    def finish_wait(self, w, ok):
        if w not in self.waiters:
            return
        self.waiters.remove(w)
        self.cancel(w["timer"])
        n = self.log.counts.get(w["event"], 0)
        resp = {"ok": ok, "event": w["event"], "count": n}
        if not ok:
            resp["error"] = "timeout waiting for %d %r events (have %d)" % (w["count"], w["event"], n)
        self.send_ctl(w["conn"], resp)

    def send_ctl(self, conn, obj):
        try:
            conn.setblocking(True)
            conn.settimeout(5)
            conn.sendall((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace"))
            conn.setblocking(False)
        except OSError:
            pass

    def control(self, conn, req):
        m = self.modem
        cmd = req.get("cmd")
        p = req

        def num(key, default=None, conv=float):
            v = p.get(key, default)
            return None if v is None else conv(v)
        if cmd == "ping":
            return {}
        if cmd == "inject":
            return m.inject(p)
        if cmd == "inject_pdu":
            return m.inject_pdu(p)
        if cmd == "fail_sends":
            k = num("count", 1, int)
            code = num("code", 500, int)
            m.fail_sends = [code] * k
            self.log.emit("fail_sends", count=k, code=code)
            return {"count": k, "code": code}
        if cmd == "fail_deletes":
            k = num("count", 1, int)
            code = num("code", 500, int)
            m.fail_deletes = [code] * k
            return {"count": k, "code": code}
        if cmd == "no_prompt":
            m.no_prompt = num("count", 1, int)
            return {"count": m.no_prompt}
        if cmd == "hang":
            self.hang(num("seconds", None), bool(p.get("chatter", False)), num("interval", 1.0))
            return {}
        if cmd in ("resume", "unhang"):
            self.unhang()
            return {}
        if cmd == "drop":
            return self.drop()
        if cmd == "vanish":
            return self.vanish(num("seconds", None))
        if cmd == "appear":
            if self.vanished:
                self.new_pty()
                self.log.emit("appear", device=self.pty.name)
            return {"device": self.pty.name}
        if cmd == "garbage":
            return self.garbage(num("lines", 5, int), p.get("kind", "mixed"))
        if cmd == "sim_full":
            return m.sim_fill(p)
        if cmd == "clear":
            n = len(m.sim)
            m.sim.clear()
            m.pending = []
            m.save()
            self.log.emit("clear", removed=n)
            return {"removed": n}
        if cmd == "no_network":
            p = dict(p, state="none")
            cmd = "network"
        if cmd == "network":
            st = p.get("state", "home")
            if st not in NETWORK_STATES:
                raise ValueError("state must be one of %s" % ", ".join(NETWORK_STATES))
            m.network = st
            longn, shortn, numeric = m.operator
            m.operator = (str(p.get("operator", longn)), str(p.get("short", p.get("operator", shortn))),
                          str(p.get("numeric", numeric)))
            self.log.emit("network", state=st, operator=m.operator[0], numeric=m.operator[2])
            if m.creg_n:   # AT+CREG=1/2 asked for unsolicited registration changes
                m.urc(creg_line(m, "+CREG", m.creg_n, unsolicited=True))
            return {"state": st, "operator": m.operator[0], "numeric": m.operator[2]}
        if cmd == "signal":
            m.rssi = num("rssi", m.rssi, int)
            m.ber = num("ber", m.ber, int)
            self.log.emit("signal", rssi=m.rssi, ber=m.ber)
            return {"rssi": m.rssi, "ber": m.ber}
        if cmd == "sim":
            st = p.get("state", "ready")
            if st not in ("ready", "pin", "absent"):
                raise ValueError("state must be ready, pin or absent")
            m.sim_state = st
            if p.get("pin"):
                m.pin = str(p["pin"])
            self.log.emit("sim", state=st)
            return {"state": st}
        if cmd == "ussd_reply":
            code = str(p["code"])
            rule = {k: p[k] for k in ("text", "status", "dcs", "noreply", "encoding") if k in p}
            if p.get("remove"):
                m.ussd_replies.pop(code, None)
            else:
                m.ussd_replies[code] = rule
            return {"code": code, "rule": m.ussd_replies.get(code)}
        if cmd == "ussd_push":
            # A network-initiated USSD (an operator's notice): +CUSD without a request.
            mode = p.get("encoding") or (m.ussd_mode if m.ussd_mode != "auto" else "text")
            line = m.ussd_reply_line(int(p.get("status", 0)), p.get("text", ""), mode, p.get("dcs"))
            sent = m.urc(line)
            self.log.emit("ussd_push", line=line, sent=sent)
            return {"line": line, "sent": sent}
        if cmd == "ussd_mode":
            mode = p.get("mode", "auto")
            if mode not in ("auto", "text", "packed", "ucs2"):
                raise ValueError("mode must be auto, text, packed or ucs2")
            m.ussd_mode = mode
            return {"mode": mode}
        if cmd == "report":
            # outcome of status reports for one recipient ("*" = default)
            to = str(p.get("to", "*"))
            if p.get("remove"):
                m.report_rules.pop(to, None)
            else:
                rule = {}
                for k in ("status", "then"):
                    if p.get(k) is not None:
                        rule[k] = intval(p[k])
                        if not 0 <= rule[k] <= 255:
                            raise ValueError("%s must be 0..255" % k)
                for k in ("delay", "then_delay"):
                    if p.get(k) is not None:
                        rule[k] = float(p[k])
                if p.get("none"):
                    rule["none"] = True
                m.report_rules[to] = rule
            self.log.emit("report_rule", to=to, rule=m.report_rules.get(to))
            return {"to": to, "rule": m.report_rules.get(to), "effective": m.report_rule(to)}
        if cmd == "report_mode":
            ds = str(p.get("ds", "0,1,2")).strip("() ")
            vals = parse_range(ds)
            if not vals or not vals <= {0, 1, 2}:
                raise ValueError("ds must list values among 0, 1, 2 (e.g. \"1\", \"2\", \"0,1,2\")")
            m.report_ds = ds
            self.log.emit("report_mode", ds=ds)
            return {"ds": ds, "cnmi": m.cnmi}
        if cmd == "status_report":
            # a report the network sends for any reference (e.g. one never used)
            if p.get("mr") is None:
                raise ValueError("mr is required")
            mr = intval(p["mr"])
            status = intval(p.get("status", 0))
            if not (0 <= mr <= 255 and 0 <= status <= 255):
                raise ValueError("mr and status must be 0..255")
            to = str(p.get("to") or "+84912345678")
            info = {"to": to, "to_type": p.get("to_type") or classify_number(to), "mr": mr,
                    "smsc": p.get("smsc"), "scts": p.get("time")}
            delay = num("delay", 0.0)
            if delay > 0:
                m.reports_scheduled += 1

                def fire():
                    m.reports_scheduled -= 1
                    m.status_report(info, status, injected=True)
                self.call_later(delay, fire)
                return {"scheduled": delay}
            return m.status_report(info, status, injected=True)
        if cmd == "latency":
            for k in ("cmgs", "ussd"):
                if k in p:
                    m.latency[k] = float(p[k])
            return dict(m.latency)
        if cmd == "set":
            if "capacity" in p:
                m.capacity = int(p["capacity"])
                m.deliver_pending()
            if "smsc" in p:
                m.smsc = (str(p["smsc"]), 145 if str(p["smsc"]).startswith("+") else 129)
            return {"capacity": m.capacity}
        if cmd == "list":
            out = []
            for idx in sorted(m.sim):
                e = m.sim[idx]
                out.append(dict({"index": idx, "stat": e["stat"]},
                                **{k: v for k, v in e.get("meta", {}).items()}))
            return {"sim": out, "pending": [x["meta"] for x in m.pending]}
        if cmd == "stats":
            s = dict(m.stats)
            s.update({"stored": len(m.sim), "unread": m.unread(), "capacity": m.capacity,
                      "pending": len(m.pending), "port_open": self.port_open(),
                      "clients": self.pty.clients if self.pty else 0,
                      "device": self.pty.name if self.pty else None, "link": self.link,
                      "vanished": self.vanished, "hang": m.hanging,
                      "fail_sends_left": len(m.fail_sends), "network": m.network,
                      "rssi": m.rssi, "cnmi": m.cnmi, "cscs": m.cscs, "echo": m.echo,
                      "sim_state": m.sim_state, "profile": m.profile,
                      "report_ds": m.report_ds, "reports_scheduled": m.reports_scheduled,
                      "events": dict(self.log.counts)})
            return s
        if cmd == "wait":
            ev = p.get("event", "sent")
            count = num("count", 1, int)
            if "more" in p:   # relative to the count when the request arrives
                count = self.log.counts.get(ev, 0) + int(p["more"])
            if self.log.counts.get(ev, 0) >= count:
                return {"event": ev, "count": self.log.counts.get(ev, 0)}
            w = {"conn": conn, "event": ev, "count": count, "timer": None}
            w["timer"] = self.call_later(num("timeout", 30.0), lambda: self.finish_wait(w, False))
            self.waiters.append(w)
            return None  # answered later
        if cmd == "shutdown":
            self.running = False
            return {}
        raise ValueError("unknown command %r" % cmd)

    def handle_ctl_client(self, conn, state):
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.sel.unregister(conn)
            for w in list(self.waiters):
                if w["conn"] is conn:
                    self.waiters.remove(w)
                    self.cancel(w["timer"])
            conn.close()
            return
        state["buf"] += data
        while b"\n" in state["buf"]:
            line, state["buf"] = state["buf"].split(b"\n", 1)
            if not line.strip():
                continue
            try:
                req = json.loads(line.decode("utf-8"))
                if not isinstance(req, dict):
                    raise ValueError("request must be a JSON object")
                res = self.control(conn, req)
                if res is None:
                    continue
                resp = {"ok": True}
                resp.update(res)
            except Exception as e:  # noqa: BLE001 - report every failure to the caller
                resp = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
            self.send_ctl(conn, resp)

    # -- main loop ---------------------------------------------------------------

    def run(self):
        ctl_path = self.opts.control
        try:
            if statmod.S_ISSOCK(os.stat(ctl_path).st_mode):
                os.unlink(ctl_path)
        except FileNotFoundError:
            pass
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(ctl_path)
        lsock.listen(16)
        lsock.setblocking(False)
        self.sel.register(lsock, selectors.EVENT_READ, ("listen", None))
        rfd, wfd = os.pipe()
        for fd in (rfd, wfd):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        signal.set_wakeup_fd(wfd)

        def stop(_sig, _frm):
            self.running = False
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        self.sel.register(rfd, selectors.EVENT_READ, ("wakeup", None))
        self.new_pty()
        self.log.emit("start", pid=os.getpid(), link=self.link, device=self.pty.name,
                      profile=self.modem.profile, capacity=self.modem.capacity)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        try:
            while self.running:
                timeout = None
                while self.timers and not self.timers[0][3]:
                    heapq.heappop(self.timers)
                if self.timers:
                    timeout = max(0.0, self.timers[0][0] - time.monotonic())
                for key, mask in self.sel.select(timeout):
                    kind, obj = key.data
                    if kind == "master":
                        if obj is self.pty:
                            self.handle_master(obj, mask)
                    elif kind == "inotify":
                        if obj is self.pty:
                            self.handle_inotify(obj)
                    elif kind == "listen":
                        try:
                            conn, _ = lsock.accept()
                        except OSError:
                            continue
                        conn.setblocking(False)
                        self.sel.register(conn, selectors.EVENT_READ, ("ctl", {"conn": conn, "buf": b""}))
                    elif kind == "ctl":
                        self.handle_ctl_client(obj["conn"], obj)
                    elif kind == "wakeup":
                        try:
                            os.read(rfd, 512)
                        except OSError:
                            pass
                now = time.monotonic()
                while self.timers and (self.timers[0][0] <= now or not self.timers[0][3]):
                    entry = heapq.heappop(self.timers)
                    if entry[3]:
                        entry[2]()
        finally:
            self.log.emit("stop")
            self.close_pty()
            try:
                if os.path.islink(self.link):
                    os.unlink(self.link)
            except OSError:
                pass
            try:
                os.unlink(ctl_path)
            except OSError:
                pass
        return 0


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def parse_ctl_args(args):
    """JSON object, or key=value (string) / key:=json pairs."""
    if len(args) == 1 and args[0].lstrip().startswith("{"):
        return json.loads(args[0])
    out = {}
    for a in args:
        eq = a.find("=")
        if eq > 0 and a[eq - 1] == ":":
            out[a[:eq - 1]] = json.loads(a[eq + 1:])
        elif eq > 0:
            out[a[:eq]] = a[eq + 1:]
        else:
            raise SystemExit("fakemodem ctl: argument %r is not key=value, key:=json or a JSON object" % a)
    return out


def main_ctl(argv):
    ap = argparse.ArgumentParser(prog="fakemodem.py ctl", description="Send one control command.")
    ap.add_argument("sock")
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds to wait for the answer (default 10, or the wait timeout + 5)")
    o = ap.parse_args(argv)
    req = parse_ctl_args(o.args)
    req["cmd"] = o.cmd
    timeout = o.timeout
    if timeout is None:
        timeout = 10.0
        if o.cmd == "wait":
            timeout = float(req.get("timeout", 30)) + 5
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(o.sock)
        s.sendall((json.dumps(req, ensure_ascii=False) + "\n").encode("utf-8"))
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except (OSError, socket.timeout) as e:
        sys.stderr.write("fakemodem ctl: %s: %s\n" % (o.sock, e))
        return 2
    finally:
        s.close()
    line = buf.split(b"\n", 1)[0].decode("utf-8")
    try:
        resp = json.loads(line)
    except ValueError:
        sys.stderr.write("fakemodem ctl: bad answer %r\n" % line)
        return 2
    sys.stdout.write(json.dumps(resp, ensure_ascii=False) + "\n")
    if not resp.get("ok"):
        sys.stderr.write("fakemodem ctl: %s\n" % resp.get("error"))
        return 1
    return 0


FINAL_RE = re.compile(r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|\+CME ERROR:.*|\+CMS ERROR:.*)$")


def main_at(argv):
    ap = argparse.ArgumentParser(
        prog="fakemodem.py at",
        description="Talk raw AT to a serial device (the fake modem's link). Each CHUNK is sent "
                    "followed by the line terminator; the answer is read until FINALS final "
                    "result codes (OK, ERROR, +CME/+CMS ERROR, ...) or a '> ' prompt arrived. "
                    "Prints one JSON object per chunk; exit 1 if an answer timed out.")
    ap.add_argument("device")
    ap.add_argument("chunks", nargs="+", metavar="CHUNK")
    ap.add_argument("--eol", choices=["cr", "crlf", "lf", "none"], default="cr")
    ap.add_argument("--escapes", action="store_true",
                    help="interpret backslash escapes in chunks (\\r, \\n, \\x1a ...)")
    ap.add_argument("--finals", type=int, default=1, help="final result codes to wait for per chunk")
    ap.add_argument("--timeout", type=float, default=3.0, help="seconds per chunk (default 3)")
    o = ap.parse_args(argv)
    eol = {"cr": "\r", "crlf": "\r\n", "lf": "\n", "none": ""}[o.eol]
    fd = os.open(o.device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    rc = 0
    try:
        tty.setraw(fd)
        try:
            termios.tcflush(fd, termios.TCIOFLUSH)
        except termios.error:
            pass
        for chunk in o.chunks:
            text = chunk.encode("latin-1").decode("unicode_escape") if o.escapes else chunk
            os.write(fd, (text + eol).encode("latin-1"))
            buf = b""
            finals = []
            deadline = time.monotonic() + o.timeout
            prompt = False
            while time.monotonic() < deadline:
                r, _, _ = select_fd(fd, deadline - time.monotonic())
                if not r:
                    break
                try:
                    data = os.read(fd, 4096)
                except BlockingIOError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                buf += data
                lines = [x for x in re.split(r"\r\n|\r|\n", buf.decode("latin-1"))]
                finals = [x for x in lines if FINAL_RE.match(x)]
                prompt = buf.endswith(b"> ")
                if len(finals) >= o.finals or prompt:
                    break
            s = buf.decode("latin-1")
            res = {"sent": text, "lines": [x for x in re.split(r"\r\n|\r|\n", s) if x],
                   "final": finals[-1] if finals else ("> " if prompt else None), "raw": s}
            sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")
            if not finals and not prompt:
                rc = 1
    finally:
        os.close(fd)
    return rc


def select_fd(fd, timeout):
    return select.select([fd], [], [], max(0.0, timeout))


def main_messages(argv):
    ap = argparse.ArgumentParser(prog="fakemodem.py messages",
                                 description="Reassemble sent SMS parts from the event log.")
    ap.add_argument("log")
    ap.add_argument("--to", help="only messages to this number")
    ap.add_argument("--received", action="store_true", help="reassemble injected (received) parts instead")
    o = ap.parse_args(argv)
    msgs = reassemble(read_log(o.log), "received" if o.received else "sent")
    for msg in msgs:
        if o.to and msg.get("to") != o.to:
            continue
        sys.stdout.write(json.dumps(msg, ensure_ascii=False) + "\n")
    return 0


def main_decode(argv):
    ap = argparse.ArgumentParser(prog="fakemodem.py decode", description="Decode one PDU.")
    ap.add_argument("pdu")
    ap.add_argument("--no-sca", action="store_true", help="the PDU has no SMSC address prefix")
    o = ap.parse_args(argv)
    sys.stdout.write(json.dumps(decode_pdu(o.pdu, not o.no_sca), ensure_ascii=False) + "\n")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # Texts decoded from raw PDUs may hold lone surrogates: JSON escapes, not a crash.
    sys.stdout.reconfigure(errors="backslashreplace")
    if argv and argv[0] == "ctl":
        return main_ctl(argv[1:])
    if argv and argv[0] == "messages":
        return main_messages(argv[1:])
    if argv and argv[0] == "decode":
        return main_decode(argv[1:])
    if argv and argv[0] == "at":
        return main_at(argv[1:])
    ap = argparse.ArgumentParser(
        prog="fakemodem.py",
        description="Fake GSM modem on a pty for libgammu's AT driver. "
                    "Other modes: 'ctl SOCK CMD ...', 'messages LOG', 'decode PDU', "
                    "'at DEVICE CHUNK...'.")
    ap.add_argument("--link", required=True, help="symlink to create, pointing at the pty slave")
    ap.add_argument("--log", required=True, help="JSON-lines event log (appended)")
    ap.add_argument("--control", required=True, help="Unix socket for control commands")
    ap.add_argument("--state-dir", help="keep the SIM contents in DIR/sim.json across restarts")
    ap.add_argument("--sim-capacity", type=int, default=30, help="SIM SMS slots (default 30)")
    ap.add_argument("--profile", choices=sorted(PROFILES), default="generic",
                    help="identity and quirks: generic (default) or huawei (E173 style)")
    ap.add_argument("--trace", help="write the raw AT dialogue to this file")
    o = ap.parse_args(argv)
    if o.state_dir:
        os.makedirs(o.state_dir, exist_ok=True)
    return Server(o).run()


if __name__ == "__main__":
    sys.exit(main())
