"""Run remote commands through the real buildbot_worker 3.7 command classes.

Used by the differential test (compare_test.go). Reads a JSON list of
requests on stdin, each
  {"name": ..., "args": {...}, "basedir": ..., "download": "<latin-1 text>",
   "interrupt_after": seconds or null}
runs them one after the other in one reactor, and prints a JSON list with,
for each request, the list of what the worker sent, in order:
["update", key, value] (stream values reduced to their text),
["upload_write", n], ["upload_close"], ["upload_unpack"], ["upload_utime"],
["read", n], ["read_close"], ["complete", null or "failure"].
"""
import json
import os
import sys

from twisted.internet import defer, reactor

from buildbot_worker.base import ProtocolCommandBase

NEWLINE_RE = r'(\r\n|\r(?=.)|\033\[u|\033\[[0-9]+;[0-9]+[Hf]|\033\[2J|\x08+)'


class Harness(ProtocolCommandBase):
    def __init__(self, events, basedir, name, args, download):
        self.events = events
        self.download = download
        ProtocolCommandBase.__init__(
            self, 'utf-8', basedir, 64 * 1024, 0.05, 4096, NEWLINE_RE,
            True, lambda: None, None, name, "1", args)

    def protocol_args_setup(self, command, args):
        if command in ("upload_directory", "upload_file", "uploadFile", "uploadDirectory"):
            args.setdefault('writer', None)
        if command in ("download_file", "downloadFile"):
            args.setdefault('reader', None)

    def protocol_send_update_message(self, message):
        for key, value in message:
            if key in ('stdout', 'stderr', 'header'):
                value = value[0]
            elif key == 'log':
                value = [value[0], value[1][0]]
            elif key == 'stat':
                value = list(value)
            self.events.append(["update", key, value])

    def protocol_complete(self, failure):
        self.flush_command_output()
        self.events.append(["complete", None if failure is None else "failure"])
        return defer.succeed(None)

    def _event(self, *e):
        self.events.append(list(e))
        return defer.succeed(None)

    def protocol_update_upload_file_write(self, writer, data):
        return self._event("upload_write", len(data))

    def protocol_update_upload_directory_write(self, writer, data):
        return self._event("upload_write", len(data))

    def protocol_update_upload_file_close(self, writer):
        return self._event("upload_close")

    def protocol_update_upload_file_utime(self, writer, atime, mtime):
        return self._event("upload_utime")

    def protocol_update_upload_directory(self, writer):
        return self._event("upload_unpack")

    def protocol_update_read_file(self, reader, length):
        self.events.append(["read", length])
        data, self.download = self.download[:length], self.download[length:]
        return defer.succeed(data)

    def protocol_update_read_file_close(self, reader):
        return self._event("read_close")


def run_one(req):
    events = []
    os.chdir(req["basedir"])  # the worker runs in its base directory
    try:
        cmd = Harness(events, req["basedir"], req["name"], req["args"],
                      req.get("download", "").encode("latin-1"))
    except Exception as e:  # refused at start_command
        events.append(["refused", str(e)])
        return defer.succeed(events)
    done = defer.Deferred()

    def finish(failure):
        cmd.command_complete(failure)
        reactor.callLater(0.1, done.callback, events)  # let stray output settle

    d = cmd.command.doStart()
    d.addCallbacks(lambda _: finish(None), finish)
    if req.get("interrupt_after") is not None:
        def interrupt():
            if not cmd.is_complete:
                cmd.flush_command_output()
                cmd.command.doInterrupt()
        reactor.callLater(req["interrupt_after"], interrupt)
    return done


@defer.inlineCallbacks
def main(reqs, results):
    try:
        for req in reqs:
            results.append((yield run_one(req)))
    finally:
        reactor.stop()


requests = json.load(sys.stdin)
out = []
reactor.callWhenRunning(main, requests, out)
reactor.run()
json.dump(out, sys.stdout)
