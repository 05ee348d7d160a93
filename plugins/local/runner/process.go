package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// procSpec is what the worker's RunProcess is given: one process to run in
// its own process group, with its header lines, timeouts and logfiles.
type procSpec struct {
	argv     []string // what is executed
	display  string   // the first header line (the command as a shell would read it)
	argvRepr string   // the " argv: " header and the timeout messages
	workdir  string   // as given, for the " in dir " header
	dir      string   // workdir resolved against the base directory
	env      map[string]string

	sendStdout, sendStderr, sendRC bool
	timeout, maxTime, sigtermTime  *number

	stdin      []byte // written to stdin, which is then closed; nil: stdin is empty
	logEnviron bool

	logfiles     []*logWatcher
	logfilesRepr string

	interruptSignal syscall.Signal
}

// procState is one running process and what the command's loop knows of it.
type procState struct {
	x     *execution
	sp    *procSpec
	ctx   context.Context
	start time.Time

	process *os.Process
	pgid    int

	exitc   chan waitResult
	outc    chan chunk
	done    chan struct{}
	readers sync.WaitGroup
	free    [2]chan *[]byte
	pipes   [2]*os.File

	stdinW    *os.File
	stdinDone chan struct{}

	exited     bool
	state      *os.ProcessState
	eof        [2]bool
	killed     bool // a kill was requested (timeout, maxTime, interrupt)
	cleanedUp  bool // the final signal was sent: finish as soon as the process exits
	lastOutput time.Time

	ioAlarm, maxAlarm, sigtermAlarm, backupAlarm, bufAlarm alarm
}

var streamKeys = [2]string{"stdout", "stderr"}

// runProcess runs sp to completion as RunProcess does and returns its rc.
// The error is non-nil when the command must fail (the process could not be
// started in its directory, or survived SIGKILL), when ctx ended (wrapping
// worker.ErrConnectionLost) or when the sink failed.
func (x *execution) runProcess(ctx context.Context, sp *procSpec) (int, error) {
	p := &procState{x: x, sp: sp, ctx: ctx}
	defer func() {
		for _, w := range sp.logfiles {
			w.close()
		}
	}()
	p.writeHeaders()

	if fi, err := os.Stat(sp.dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = syscall.EEXIST
		}
		msg := pyOSError(err, sp.dir)
		x.write("stderr", "", []byte("error in RunProcess._startCommand ("+msg+")\n"))
		return -1, fmt.Errorf("start process in %s: %w", sp.dir, err)
	}
	if len(sp.argv) == 0 {
		x.write("stderr", "", []byte("error in RunProcess._startCommand (list index out of range)\n"))
		return -1, errors.New("start process: empty command")
	}

	p.start = time.Now()
	if err := p.spawn(); err != nil {
		// Twisted reports a failed exec from the child: a message on
		// stderr and exit status 1.
		if sp.sendStderr {
			msg := fmt.Sprintf("Upon execvpe %s %s in environment\n:%s\n",
				pyBytesRepr(sp.argv[0]), pyBytesListRepr(sp.argv), pyOSError(err, sp.argv[0]))
			x.write("stderr", "", []byte(msg))
		}
		return p.finish(1, 0), nil
	}
	defer p.release()
	return p.loop()
}

// loop is the command's event loop: output, exit, timeouts, interrupts,
// logfile polls and the update buffer's timer, all on this goroutine.
func (p *procState) loop() (int, error) {
	sp, x := p.sp, p.x
	p.lastOutput = p.start
	if sp.timeout != nil && sp.timeout.value != 0 {
		p.ioAlarm.set(sp.timeout.duration())
	}
	if sp.maxTime != nil && sp.maxTime.value != 0 {
		p.maxAlarm.set(sp.maxTime.duration())
	}
	var pollC <-chan time.Time
	if len(sp.logfiles) > 0 {
		t := time.NewTicker(x.r.opts.LogfilePollInterval)
		defer t.Stop()
		pollC = t.C
	}

	for {
		if p.exited && ((p.eof[0] && p.eof[1]) || p.cleanedUp) {
			return p.finishExited(), nil
		}
		select {
		case c := <-p.outc:
			p.output(c)
		case r := <-p.exitc:
			p.exited, p.state = true, r.state
			p.backupAlarm.stop()
		case <-p.ioAlarm.c:
			if idle := time.Since(p.lastOutput); idle < sp.timeout.duration() {
				p.ioAlarm.set(sp.timeout.duration() - idle)
			} else {
				p.ioAlarm.c = nil
				p.kill(fmt.Sprintf("command timed out: %s seconds without output running %s", sp.timeout.text, sp.argvRepr))
			}
		case <-p.maxAlarm.c:
			p.maxAlarm.c = nil
			p.kill(fmt.Sprintf("command timed out: %s seconds elapsed running %s", sp.maxTime.text, sp.argvRepr))
		case <-p.sigtermAlarm.c:
			p.sigtermAlarm.c = nil
			p.signal(sp.interruptSignal)
			p.cleanUp()
		case <-p.backupAlarm.c:
			p.backupAlarm.c = nil
			return p.giveUp()
		case <-p.bufAlarm.c:
			p.bufAlarm.c = nil
			x.out.flushIfDue(time.Now())
		case <-pollC:
			p.pollLogfiles(pollLimit)
		case <-x.interrupts:
			if !p.killed {
				x.flushPartialLines()
				x.out.flush()
				p.kill("command interrupted")
			}
		case <-p.ctx.Done():
			p.abort()
			return -1, connectionLost(x.cmd, p.ctx.Err())
		}
		if x.out.err != nil {
			p.abort()
			return -1, fmt.Errorf("send update: %w", x.out.err)
		}
		if p.bufAlarm.c == nil {
			if d, ok := x.out.dueIn(time.Now()); ok {
				p.bufAlarm.set(max(d, 0))
			}
		}
	}
}

func (p *procState) output(c chunk) {
	if c.eof {
		p.eof[c.stream] = true
		return
	}
	p.lastOutput = time.Now()
	if (c.stream == 0 && p.sp.sendStdout) || (c.stream == 1 && p.sp.sendStderr) {
		p.x.write(streamKeys[c.stream], "", (*c.buf)[:c.n])
	}
	p.free[c.stream] <- c.buf
}

func (p *procState) pollLogfiles(limit int) {
	for _, w := range p.sp.logfiles {
		if w.poll(p.x, limit) {
			p.lastOutput = time.Now()
		}
	}
}

// kill is RunProcess.kill: a header line, then TERM (when sigtermTime is
// set, the interrupt signal follows after sigtermTime) or the interrupt
// signal to the whole process group.
func (p *procState) kill(msg string) {
	if p.killed {
		return
	}
	p.ioAlarm.stop()
	p.maxAlarm.stop()
	p.x.header("\n" + msg + ", attempting to kill\n")
	p.killed = true
	if p.sp.sigtermTime != nil {
		p.signal(syscall.SIGTERM)
		p.sigtermAlarm.set(p.sp.sigtermTime.duration())
		return
	}
	p.signal(p.sp.interruptSignal)
	p.cleanUp()
}

// cleanUp stops waiting for the output pipes and gives the process the
// backup timeout to exit.
func (p *procState) cleanUp() {
	p.cleanedUp = true
	if !p.exited {
		p.backupAlarm.set(p.x.r.opts.BackupTimeout)
	}
}

// signal sends sig to the process group, or to the process if the group is
// gone.
func (p *procState) signal(sig syscall.Signal) bool {
	if err := syscall.Kill(-p.pgid, sig); err == nil {
		return true
	}
	if p.exited {
		return false
	}
	return p.process.Signal(sig) == nil
}

// abort kills the process group without a word (the connection is lost or
// the sink failed) and waits, up to the backup timeout, for the process.
func (p *procState) abort() {
	_ = syscall.Kill(-p.pgid, syscall.SIGKILL)
	if p.exited {
		return
	}
	_ = p.process.Signal(syscall.SIGKILL)
	t := time.NewTimer(p.x.r.opts.BackupTimeout)
	defer t.Stop()
	select {
	case r := <-p.exitc:
		p.exited, p.state = true, r.state
	case <-t.C:
	}
}

// giveUp is RunProcess.doBackupTimeout: the process did not die.
func (p *procState) giveUp() (int, error) {
	name := signalName(p.sp.interruptSignal)
	p.x.header(name + " failed to kill process\n")
	if p.sp.sendRC {
		p.x.header("using fake rc=-1\n")
		p.x.value(worker.Update{Key: "rc", RC: -1})
	}
	return -1, fmt.Errorf("%s failed to kill process", name)
}

func (p *procState) finishExited() int {
	rc, sig := -1, 0
	if p.state != nil {
		if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			sig = int(ws.Signal())
		} else {
			rc = p.state.ExitCode()
		}
	}
	return p.finish(rc, sig)
}

// finish is RunProcess.finished: a last read of the logfiles, the partial
// lines, then "process killed by signal N", rc and elapsedTime.
func (p *procState) finish(rc, sig int) int {
	p.pollLogfiles(0)
	p.x.flushPartialLines()
	if p.killed && rc == 0 {
		rc = -1
	}
	if sig != 0 {
		rc = -1
	}
	if p.sp.sendRC {
		if sig != 0 {
			p.x.header(fmt.Sprintf("process killed by signal %d\n", sig))
		}
		p.x.value(worker.Update{Key: "rc", RC: rc})
	}
	p.x.header(fmt.Sprintf("elapsedTime=%0.6f\n", time.Since(p.start).Seconds()))
	return rc
}
