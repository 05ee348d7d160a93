// Package interpolate owns Buildbot's Interpolate renderable (Buildbot's
// process/properties.py Interpolate, §5.3 of the reference) for bbhost, where
// every string attribute of a step is an Interpolate format string rendered at
// build time.
//
// Forms: %(prop:NAME)s, %(src:CODEBASE:ATTR)s (%(src::branch)s for the default
// codebase; ATTR one of branch, revision, repository, project, codebase, ssid,
// patch, created_at), %(worker:KEY)s (the worker's info), %(kw:NAME)s (keyword
// values the caller passes, such as a reason) and %(secret:NAME)s (only when
// the Context implements SecretContext). Each may carry a modifier after a
// further colon, exactly as Buildbot reads them:
//
//	:-DEFAULT   the value if the key exists (even when false), else DEFAULT
//	:~DEFAULT   the value if the key exists and is true, else DEFAULT
//	:+ALT       ALT if the key exists, else ""
//	:?|YES|NO   YES if the key exists, else NO (any delimiter but '(')
//	:#?|YES|NO  YES if the key exists and is true, else NO
//
// DEFAULT, ALT, YES and NO are themselves format strings (they nest). A
// missing key without modifier, and a None (nil) value, render as "". "%%" is
// a literal "%".
//
// Differences from Python, decided for bbhost:
//   - A '%' that does not start "%(" or "%%" is kept literally (Python would
//     raise), so shell commands such as `date +%s` need no escaping.
//   - Values render as Python's str() would for the JSON-compatible values a
//     property holds (see PyStr): True/False, None, ints, floats in Python's
//     repr form (1.0, 1e+16), lists as ['a', 1] and dicts as {'k': 'v'} with
//     keys sorted (Go maps have no insertion order). A float64 holding an
//     integral value below 2^53 renders as an int ("3", not "3.0"), because
//     JSON and HCL do not tell ints from floats.
//   - Conversions s, r, a, d, i and u are supported, with Python's flags,
//     width and precision; any other conversion is an error.
//   - A ternary without its delimiter is an error (Python accepts a
//     two-character body by accident).
package interpolate
