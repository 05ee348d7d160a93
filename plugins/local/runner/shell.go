package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bbhost/bbhost/sdk/worker"
)

// runShell is the worker's WorkerShellCommand: one process, argv run
// directly or a string run by /bin/sh -c, in workdir (created if missing),
// with the merged environment, logfiles, timeouts and the rc.
func runShell(ctx context.Context, x *execution) error {
	a := x.args
	workdir, err := a.str("workdir")
	if err != nil {
		return err
	}
	dir := x.r.abs(workdir)
	if _, err := os.Lstat(dir); err != nil {
		if err := makedirs(dir); err != nil {
			return fmt.Errorf("create workdir: %s", pyOSError(err, dir))
		}
	}
	sp := &procSpec{
		workdir:    workdir,
		dir:        filepath.Clean(dir),
		sendStdout: a.flag("want_stdout", true),
		sendStderr: a.flag("want_stderr", true),
		sendRC:     true,
		logEnviron: a.flag("logEnviron", true),

		interruptSignal: signalByName("KILL"),
	}
	if err := commandArgv(a["command"], sp); err != nil {
		return err
	}
	if sp.env, err = buildEnv(x.r.environ, a["env"]); err != nil {
		return err
	}
	for _, t := range []struct {
		key string
		dst **number
	}{{"timeout", &sp.timeout}, {"maxTime", &sp.maxTime}, {"sigtermTime", &sp.sigtermTime}} {
		if *t.dst, err = a.num(t.key); err != nil {
			return err
		}
	}
	switch in := a["initial_stdin"].(type) {
	case nil:
	case string:
		if in != "" {
			sp.stdin = []byte(in)
		}
	case []byte:
		if len(in) > 0 {
			sp.stdin = in
		}
	default:
		return fmt.Errorf("argument \"initial_stdin\": want a string, got %T", in)
	}
	if sig, ok := a["interruptSignal"].(string); ok && sig != "" {
		sp.interruptSignal = signalByName(sig)
	}
	if a.flag("usePTY", false) {
		// A PTY is not offered; the worker says this when it cannot use one.
		x.header("WARNING: disabling usePTY for this command\n")
	}
	logfiles := a["logfiles"]
	if sp.logfiles, err = newLogWatchers(logfiles, sp.dir); err != nil {
		return err
	}
	if logfiles == nil {
		logfiles = map[string]any{}
	}
	sp.logfilesRepr = pyRepr(logfiles)
	sp.env["PWD"] = sp.dir

	_, err = x.runProcess(ctx, sp)
	return err
}

// commandArgv fills the argv, display and argvRepr of sp from the command
// argument: a string is run by /bin/sh -c; a list is run directly, its
// ["obfuscated", real, fake] items shown as fake.
func commandArgv(command any, sp *procSpec) error {
	switch c := command.(type) {
	case string:
		sp.argv = []string{"/bin/sh", "-c", c}
		sp.display = c
		sp.argvRepr = pyBytesRepr(c)
		return nil
	case []string:
		sp.argv = c
		sp.display = shellQuote(c)
		sp.argvRepr = pyBytesListRepr(c)
		return nil
	case []any:
		real := make([]string, len(c))
		fake := make([]string, len(c))
		for i, e := range c {
			switch w := e.(type) {
			case string:
				real[i], fake[i] = w, w
			case []any:
				if len(w) == 3 && w[0] == "obfuscated" {
					real[i], fake[i] = pyStr(w[1]), pyStr(w[2])
					continue
				}
				return fmt.Errorf("command item %d: want a string, got a list", i)
			case map[string]any, map[string]string:
				return fmt.Errorf("command item %d: want a string, got a mapping", i)
			default:
				real[i], fake[i] = pyStr(w), pyStr(w)
			}
		}
		sp.argv = real
		sp.display = shellQuote(fake)
		sp.argvRepr = pyBytesListRepr(fake)
		return nil
	default:
		return fmt.Errorf("argument \"command\": want a string or a list, got %T", command)
	}
}

// plainProcess is the RunProcess of rmdir and cpdir: argv in the base
// directory with the worker's own environment.
func (x *execution) plainProcess(argv []string, sendRC bool) (*procSpec, error) {
	a := x.args
	timeout := &number{value: 120, text: "120"}
	if _, ok := a["timeout"]; ok {
		t, err := a.num("timeout")
		if err != nil {
			return nil, err
		}
		timeout = t
	}
	maxTime, err := a.num("maxTime")
	if err != nil {
		return nil, err
	}
	env, _ := buildEnv(x.r.environ, nil)
	env["PWD"] = x.r.basedir
	return &procSpec{
		argv:            argv,
		display:         shellQuote(argv),
		argvRepr:        pyBytesListRepr(argv),
		workdir:         x.r.basedir,
		dir:             x.r.basedir,
		env:             env,
		sendStdout:      true,
		sendStderr:      true,
		sendRC:          sendRC,
		timeout:         timeout,
		maxTime:         maxTime,
		logEnviron:      a.flag("logEnviron", true),
		logfilesRepr:    "{}",
		interruptSignal: signalByName("KILL"),
	}, nil
}

// rcUpdate is the "rc" update.
func rcUpdate(rc int) worker.Update { return worker.Update{Key: "rc", RC: rc} }
