package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// Limits from Buildbot (util/identifiers.py and config/builder.py).
const (
	maxWorkerName = 50
	maxStepName   = 50
)

// identRe is Buildbot's identifier: letters (any beyond ASCII too), digits,
// "_" and "-", not starting with a digit.
var identRe = regexp.MustCompile(`^[a-zA-Z\x{a0}-\x{10ffff}_-][a-zA-Z0-9\x{a0}-\x{10ffff}_-]*$`)

// enumDiag reports a value outside allowed, or nil when it is allowed.
func enumDiag(content *hcl.BodyContent, attr, got string, allowed []string, fallback hcl.Range) *hcl.Diagnostic {
	if slices.Contains(allowed, got) {
		return nil
	}
	return errorDiag(fmt.Sprintf("Invalid %s", attr),
		fmt.Sprintf("%q is not a valid %s; use %s.%s", got, attr, quotedList(allowed, "or"), didYouMean(got, allowed)),
		attrRange(content, attr, fallback))
}

// listenDiag checks a host:port listen address.
func listenDiag(content *hcl.BodyContent, attr, addr string, fallback hcl.Range) *hcl.Diagnostic {
	if err := checkListen(addr); err != nil {
		return errorDiag("Invalid listen address",
			fmt.Sprintf("%s = %q is not a host:port address: %s. For example \"127.0.0.1:8010\" or \":8010\".", attr, addr, err),
			attrRange(content, attr, fallback))
	}
	return nil
}

// checkListen accepts host:port with a numeric port (the host may be empty).
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		if ae, ok := err.(*net.AddrError); ok {
			return fmt.Errorf("%s", ae.Err)
		}
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// minDiag reports an integer attribute below min.
func minDiag(content *hcl.BodyContent, attr string, got, min int, fallback hcl.Range) *hcl.Diagnostic {
	if got >= min {
		return nil
	}
	return errorDiag(fmt.Sprintf("Invalid %s", attr),
		fmt.Sprintf("%s must be at least %d; got %d.", attr, min, got),
		attrRange(content, attr, fallback))
}
