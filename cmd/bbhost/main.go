// Command bbhost is the bbhost build master and its command-line tools: run
// the master, validate and format configurations, reconfigure or stop a
// running master, migrate its database, manage plugins, and submit changes,
// forced builds and users the way Buildbot's `buildbot` command does.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `usage: bbhost [run] -config PATH [-log-level LEVEL] [-log-json]
       bbhost validate -config PATH
       bbhost fmt [-check] PATH...
       bbhost reconfig -config PATH
       bbhost stop [-clean] -config PATH
       bbhost db upgrade -config PATH
       bbhost plugins list|describe NAME|install PATH|URL|lock [-config PATH]
       bbhost force -master URL -builder NAME [-reason R] [-property k=v]
       bbhost version

Run "bbhost COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" {
		return runMaster(args, stdout, stderr)
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "run":
		return runMaster(rest, stdout, stderr)
	case "validate":
		return runValidate(rest, stdout, stderr)
	case "fmt":
		return runFmt(rest, stdout, stderr)
	case "reconfig":
		return runReconfig(rest, stdout, stderr)
	case "stop":
		return runStop(rest, stdout, stderr)
	case "db":
		return runDB(rest, stdout, stderr)
	case "plugins":
		return runPluginsCommand(rest, stdout, stderr)
	case "force":
		return runForce(rest, stdout, stderr)
	case "version":
		return runVersion(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "bbhost: unknown command %q\n\n%s", verb, usage)
		return 2
	}
}
