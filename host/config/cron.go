package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/robfig/cron/v3"
)

// cronParser reads Buildbot Nightly's five fields (minute, hour, day of
// month, month, day of week) and descriptors such as "@daily".
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron checks a five-field cron expression ("0 3 * * *"). Descriptors
// ("@daily", "@hourly") are accepted; "@every" and time-zone prefixes are
// not, since nightly schedulers take their time zone separately.
func ParseCron(expr string) (err error) {
	expr = strings.TrimSpace(expr)
	switch {
	case expr == "":
		return errors.New("empty expression")
	case strings.HasPrefix(expr, "@every"):
		return errors.New(`"@every" is an interval, not a cron schedule; use a periodic scheduler`)
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		return errors.New("time-zone prefixes are not supported")
	}
	defer func() {
		// robfig/cron has panicked on malformed input before; never let a
		// configuration value take the master down.
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed expression")
		}
	}()
	_, err = cronParser.Parse(expr)
	return err
}

// cronDiag reports an invalid cron expression.
func cronDiag(attr *hcl.Attribute, expr string, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid cron expression",
		Detail: fmt.Sprintf("%q is not a valid cron expression: %s. A cron expression has five fields "+
			"(minute, hour, day of month, month, day of week), for example \"0 3 * * *\".", expr, err),
		Subject: attr.Expr.Range().Ptr(),
		Context: attr.Range.Ptr(),
	}
}
