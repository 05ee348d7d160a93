package db

import (
	"errors"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// Identifiers, after Buildbot's util/identifiers.py: names of workers, step
// names, log slugs and users' identifiers.

// IsIdentifier reports whether s is an identifier of at most maxLength
// characters: letters (ASCII or any character from U+00A0 up), digits
// (not first), '_' and '-'.
func IsIdentifier(maxLength int, s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxLength {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == '-', r >= 0xa0:
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ForceIdentifier turns s into an identifier as Buildbot's forceIdentifier
// does: an identifier is returned as is; otherwise it is cut to maxLength
// characters and every character but ASCII letters, digits, '_' and '-'
// becomes '_' (a leading digit too).
func ForceIdentifier(maxLength int, s string) string {
	if IsIdentifier(maxLength, s) {
		return s
	}
	out := make([]byte, 0, len(s))
	n := 0
	for i, r := range s {
		if n == maxLength {
			break
		}
		n++
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' ||
			(i > 0 && r >= '0' && r <= '9')
		if ok {
			out = append(out, byte(r))
		} else {
			out = append(out, '_')
		}
	}
	return string(out)
}

var trailingDigits = regexp.MustCompile(`_([0-9]+)$`)

// ErrIdentifierExhausted is returned by IncrementIdentifier when no suffix
// fits in maxLength.
var ErrIdentifierExhausted = errors.New("cannot generate a larger identifier")

// IncrementIdentifier is Buildbot's incrementIdentifier: "name" becomes
// "name_2", "name_2" becomes "name_3", cutting the name so the result fits
// in maxLength characters.
func IncrementIdentifier(maxLength int, ident string) (string, error) {
	num := 1
	if m := trailingDigits.FindStringSubmatchIndex(ident); m != nil {
		if v, err := strconv.Atoi(ident[m[2]:m[3]]); err == nil {
			num = v
			ident = ident[:m[0]]
		}
	}
	suffix := "_" + strconv.Itoa(num+1)
	if len(suffix) > maxLength {
		return "", ErrIdentifierExhausted
	}
	return clip(ident, maxLength-len(suffix)) + suffix, nil
}
