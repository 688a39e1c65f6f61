"""Device calibration across processes: the Tobii bridge (Python 3.10, hosting the SDK)
serves its tracker's calibration; gazetype on any Python drives it as a `DeviceCalibration`.

Protocol `gazetype-calibration/1`: JSON lines over TCP, one request, one response.

    {"op": "enter"}                      -> {"ok": true}
    {"op": "collect", "x": 0.1, "y": 0.9}  -> {"ok": true, "collected": true}
    {"op": "compute"}                    -> {"ok": true, "result": {"status": ..., "points": [...]}}
    {"op": "leave"}                      -> {"ok": true}
    any failure                          -> {"ok": false, "error": "one line"}

Coordinates on the wire are the normalised display area ((0, 0) top-left, (1, 1)
bottom-right); each side converts its own px at the edge. The server listens on
127.0.0.1 only (gaze calibration is not for the network) and advertises its port in the
bridge's LSL stream, `<desc><calibration>` (`protocol`, `host`, `port`), where the LSL
tracker finds it. One client at a time; when a client goes away while the device is
in calibration mode, the server leaves calibration mode itself. The client gives
every request a timeout and turns every failure into one line (`CalibrationError`).
"""
from __future__ import annotations

import json
import logging
import socket
import threading
from typing import Callable

from gazetype.tracker.devicecal import CalibrationError, CalibrationResult, DeviceCalibration, EyePoint, ResultPoint

PROTOCOL = "gazetype-calibration/1"
HOST = "127.0.0.1"
# Seconds each request may take: collect blocks about 0.5 to 1 s on a Tobii, compute a few.
TIMEOUTS_S = {"enter": 10.0, "collect": 10.0, "compute": 30.0, "leave": 10.0}
CONNECT_S = 3.0

log = logging.getLogger("gazetype.tracker")


def _scale(r: CalibrationResult, sx: float, sy: float) -> CalibrationResult:
    def eye(e: EyePoint) -> EyePoint:
        return EyePoint(e.x_px * sx, e.y_px * sy, e.validity)
    return CalibrationResult(r.status, tuple(
        ResultPoint(p.x_px * sx, p.y_px * sy, tuple(eye(e) for e in p.left), tuple(eye(e) for e in p.right))
        for p in r.points))


class CalibrationServer:
    """Serves `get_calibration()` (a DeviceCalibration in a `width_px` x `height_px` screen,
    or None while no device is connected) on 127.0.0.1:`port` (0: any free port)."""

    def __init__(self, get_calibration: Callable[[], DeviceCalibration | None], width_px: float,
                 height_px: float, *, port: int = 0, unavailable: str = "no device connected") -> None:
        self.get_calibration = get_calibration
        self.size = (float(width_px), float(height_px))
        self.unavailable = unavailable
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, port))
        self._sock.listen(2)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="gazetype-calibration-server", daemon=True)
        self.requests = 0

    def start(self) -> "CalibrationServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        try:
            self._sock.close()
        except OSError:
            pass

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            try:
                self._session(conn)
            except Exception as e:  # a client's mistake never ends the server
                log.warning("calibration client: %s: %s", type(e).__name__, e)
            finally:
                try:
                    conn.close()
                except OSError:
                    pass

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        buf = b""
        cal: DeviceCalibration | None = None
        entered = False
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except (socket.timeout, TimeoutError):
                    continue
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if not line.strip():
                        continue
                    self.requests += 1
                    resp, cal, entered = self._answer(line, cal, entered)
                    conn.sendall((json.dumps(resp) + "\n").encode())
        finally:
            if entered and cal is not None:  # the client went away in calibration mode
                try:
                    cal.leave()
                except Exception as e:
                    log.warning("calibration: leaving after the client went away failed: %s", e)

    def _answer(self, line: bytes, cal, entered: bool):
        try:
            req = json.loads(line)
            op = req.get("op") if isinstance(req, dict) else None
        except ValueError:
            return {"ok": False, "error": "not a JSON request"}, cal, entered
        w, h = self.size
        try:
            if op == "hello":
                return {"ok": True, "protocol": PROTOCOL}, cal, entered
            if op not in TIMEOUTS_S:
                return {"ok": False, "error": f"unknown request {op!r}"}, cal, entered
            if cal is None:
                cal = self.get_calibration()
                if cal is None:
                    return {"ok": False, "error": self.unavailable}, cal, entered
            if op == "enter":
                cal.enter()
                return {"ok": True}, cal, True
            if op == "collect":
                x, y = float(req["x"]), float(req["y"])
                return {"ok": True, "collected": bool(cal.collect(x * w, y * h))}, cal, entered
            if op == "compute":
                res = _scale(cal.compute_and_apply(), 1 / w, 1 / h)
                return {"ok": True, "result": res.to_dict()}, cal, entered
            cal.leave()  # "leave"
            return {"ok": True}, None, False
        except CalibrationError as e:
            return {"ok": False, "error": str(e)}, cal, entered
        except (KeyError, TypeError, ValueError) as e:
            return {"ok": False, "error": f"bad {op} request: {e}"}, cal, entered


class RemoteCalibration:
    """A `DeviceCalibration` served by a `CalibrationServer` (the Tobii bridge). px in the
    client's `width_px` x `height_px` screen."""

    def __init__(self, host: str, port: int, width_px: float, height_px: float, *,
                 timeouts_s: dict[str, float] | None = None, what: str = "the Tobii bridge") -> None:
        self.addr = (host, int(port))
        self.size = (float(width_px), float(height_px))
        self.timeouts_s = {**TIMEOUTS_S, **(timeouts_s or {})}
        self.what = what
        self._sock: socket.socket | None = None
        self._buf = b""

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection(self.addr, timeout=CONNECT_S)
            except OSError as e:
                raise CalibrationError(f"{self.what} at {self.addr[0]}:{self.addr[1]} does not answer "
                                       f"({e.strerror or e}); is it running?") from None
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
            self._buf = b""

    def _request(self, op: str, **kw) -> dict:
        sock = self._connect()
        timeout = self.timeouts_s[op]
        try:
            sock.settimeout(timeout)
            sock.sendall((json.dumps({"op": op, **kw}) + "\n").encode())
            while b"\n" not in self._buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed")
                self._buf += chunk
        except (socket.timeout, TimeoutError):
            self.close()  # a late answer must not be taken for the next request's
            raise CalibrationError(f"{self.what} did not answer {op!r} within {timeout:g} s") from None
        except OSError as e:
            self.close()
            raise CalibrationError(f"{self.what}: the connection failed during {op!r} ({e})") from None
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            resp = json.loads(line)
        except ValueError:
            raise CalibrationError(f"{self.what} answered {op!r} with something that is not JSON") from None
        if not isinstance(resp, dict) or not resp.get("ok"):
            err = resp.get("error") if isinstance(resp, dict) else None
            raise CalibrationError(" ".join(str(err or f"{self.what} refused {op!r}").split()))
        return resp

    def enter(self) -> None:
        self._request("enter")

    def collect(self, x_px: float, y_px: float) -> bool:
        w, h = self.size
        return bool(self._request("collect", x=x_px / w, y=y_px / h).get("collected"))

    def compute_and_apply(self) -> CalibrationResult:
        res = CalibrationResult.from_dict(self._request("compute").get("result") or {})
        return _scale(res, *self.size)

    def leave(self) -> None:
        try:
            self._request("leave")
        finally:
            self.close()


def add_calibration_desc(info, port: int) -> None:
    """Advertise a CalibrationServer in a pylsl StreamInfo's <desc>."""
    el = info.desc().append_child("calibration")
    el.append_child_value("protocol", PROTOCOL)
    el.append_child_value("host", HOST)
    el.append_child_value("port", str(port))


def calibration_endpoint(info) -> tuple[str, int] | None:
    """(host, port) advertised in a full pylsl StreamInfo's <desc>, if any."""
    try:
        el = info.desc().child("calibration")
        if el.empty() or el.child_value("protocol") != PROTOCOL:
            return None
        return el.child_value("host"), int(el.child_value("port"))
    except (ValueError, AttributeError):
        return None
