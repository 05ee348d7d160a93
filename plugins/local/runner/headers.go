package runner

import "fmt"

// writeHeaders sends the header block RunProcess writes before it starts
// the process: the command line, " in dir" with the timeouts, the logfiles,
// argv, the environment when logEnviron, the stdin size and the PTY line.
func (p *procState) writeHeaders() {
	sp, x := p.sp, p.x
	x.header(sp.display + "\n")
	msg := " in dir " + sp.workdir
	if sp.timeout != nil && sp.timeout.value != 0 {
		msg += fmt.Sprintf(" (timeout %s %s)", sp.timeout.text, secs(sp.timeout))
	}
	if sp.maxTime != nil && sp.maxTime.value != 0 {
		msg += fmt.Sprintf(" (maxTime %s %s)", sp.maxTime.text, secs(sp.maxTime))
	}
	x.header(msg + "\n")
	x.header(" watching logfiles " + sp.logfilesRepr + "\n")
	x.header(" argv: " + sp.argvRepr + "\n")
	if sp.logEnviron {
		b := []byte(" environment:\n")
		for _, k := range sortedKeys(sp.env) {
			b = append(b, "  "+k+"="+sp.env[k]+"\n"...)
		}
		x.write("header", "", b)
	}
	if len(sp.stdin) > 0 {
		x.header(fmt.Sprintf(" writing %d bytes to stdin\n", len(sp.stdin)))
	}
	x.header(" using PTY: False\n")
}

func secs(n *number) string {
	if n.value == 1 {
		return "sec"
	}
	return "secs"
}
