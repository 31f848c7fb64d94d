#!/usr/bin/env python3
# Hand-built SMS PDUs for tests/e2e/32-hostile.sh, for what the fake modem's
# inject cannot say: lone surrogates and NUL in UCS-2, 8-bit data, a
# port-addressed UDH, a status report stored like a received message.
#
#   hostile-pdu.py deliver SENDER DCS UD [UDH]   SMS-DELIVER, DCS and the user
#                                                data (and header) as hex; the
#                                                data is 8-bit or UCS-2 octets
#   hostile-pdu.py report MR RECIPIENT [STATUS]  SMS-STATUS-REPORT
#
# Prints the PDU as hex with the SMSC address, as AT+CMGL lists it.
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fakemodem"))
import fakemodem  # noqa: E402


def deliver(sender, dcs, ud, udh=None):
    when = datetime.datetime.now(fakemodem.DEFAULT_TZ)
    data = bytes.fromhex(ud)
    fo = 0x04
    if udh:
        hdr = bytes.fromhex(udh)
        data = bytes([len(hdr)]) + hdr + data
        fo |= 0x40
    if int(dcs, 16) & 0x0C == 0 and int(dcs, 16) >> 4 <= 7:
        raise SystemExit("hostile-pdu.py: GSM-7 user data: use fakemodem inject")
    tpdu = (bytes([fo]) + fakemodem.encode_address(sender) + bytes([0, int(dcs, 16)])
            + fakemodem.encode_scts(when) + bytes([len(data)]) + data)
    return (fakemodem.encode_sca(fakemodem.DEFAULT_SMSC) + tpdu).hex().upper()


def main(argv):
    if len(argv) >= 4 and argv[1] == "deliver":
        print(deliver(*argv[2:6]))
    elif len(argv) >= 4 and argv[1] == "report":
        pdu, _ = fakemodem.encode_status_report(int(argv[2]), argv[3],
                                                int(argv[4]) if len(argv) > 4 else 0)
        print(pdu)
    else:
        sys.exit("usage: hostile-pdu.py deliver SENDER DCS UD [UDH] | report MR RECIPIENT [STATUS]")


if __name__ == "__main__":
    main(sys.argv)
