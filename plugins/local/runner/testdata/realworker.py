"""Run one remote command through the real buildbot_worker 3.7 command code.

Used by the differential test (compare_test.go): reads a JSON request on stdin
  {"name": ..., "args": {...}, "basedir": ..., "download": "<latin-1 text>",
   "interrupt_after": seconds or null}
and prints a JSON list of what the worker sent, in order: ["update", key, value]
items (stream values reduced to their text) and ["upload_write", n],
["upload_close"], ["upload_unpack"], ["upload_utime"], ["read", n],
["read_close"], ["complete", failure-or-null].
"""
import json
import sys

from twisted.internet import defer, reactor

from buildbot_worker.base import ProtocolCommandBase

events = []


class Harness(ProtocolCommandBase):
    def __init__(self, basedir, name, args, download):
        self.download = download
        ProtocolCommandBase.__init__(
            self, 'utf-8', basedir, 64 * 1024, 0.05, 4096,
            r'(\r\n|\r(?=.)|\033\[u|\033\[[0-9]+;[0-9]+[Hf]|\033\[2J|\x08+)',
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
            events.append(["update", key, value])

    def protocol_complete(self, failure):
        self.flush_command_output()
        events.append(["complete", None if failure is None else "failure"])
        return defer.succeed(None)

    def protocol_update_upload_file_write(self, writer, data):
        events.append(["upload_write", len(data)])
        return defer.succeed(None)

    def protocol_update_upload_directory_write(self, writer, data):
        events.append(["upload_write", len(data)])
        return defer.succeed(None)

    def protocol_update_upload_file_close(self, writer):
        events.append(["upload_close"])
        return defer.succeed(None)

    def protocol_update_upload_file_utime(self, writer, atime, mtime):
        events.append(["upload_utime"])
        return defer.succeed(None)

    def protocol_update_upload_directory(self, writer):
        events.append(["upload_unpack"])
        return defer.succeed(None)

    def protocol_update_read_file(self, reader, length):
        events.append(["read", length])
        data, self.download = self.download[:length], self.download[length:]
        return defer.succeed(data)

    def protocol_update_read_file_close(self, reader):
        events.append(["read_close"])
        return defer.succeed(None)


def main():
    req = json.load(sys.stdin)
    download = req.get("download", "").encode("latin-1")
    cmd = Harness(req["basedir"], req["name"], req["args"], download)

    def done(res):
        cmd.command_complete(None)
        reactor.stop()

    def failed(f):
        cmd.command_complete(f)
        reactor.stop()

    def start():
        d = cmd.command.doStart()
        d.addCallbacks(done, failed)
        if req.get("interrupt_after") is not None:
            def interrupt():
                if not cmd.is_complete:
                    cmd.flush_command_output()
                    cmd.command.doInterrupt()
            reactor.callLater(req["interrupt_after"], interrupt)

    reactor.callWhenRunning(start)
    reactor.run()
    json.dump(events, sys.stdout)


main()
