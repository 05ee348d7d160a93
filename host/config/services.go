package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/crypto/ssh"
)

var (
	changeHookDialects = []string{"base", "github", "gitlab", "gitea", "bitbucket"}
	lockTypes          = []string{"worker", "master"}
	lockAccesses       = []string{"counting", "exclusive"}
	// githubSkips are Buildbot's default `skips` of the GitHub hook.
	githubSkips = []string{`\[ *skip *ci *\]`, `\[ *ci *skip *\]`}
	// cacheDefaults are Buildbot's cache sizes: Builds 15, Changes 10, any
	// other cache 1 (process/cache.py).
	cacheDefaults = map[string]int{
		"changes": 10, "builds": 15, "chdicts": 1, "buildrequests": 1, "ssdicts": 1,
		"objectids": 1, "usdicts": 1, "buildset_properties": 1,
	}
)

type changeHookRaw struct {
	Secret            *string   `hcl:"secret,optional"`
	Strict            *bool     `hcl:"strict,optional"`
	Codebase          *string   `hcl:"codebase,optional"`
	Token             *string   `hcl:"token,optional"`
	Skips             *[]string `hcl:"skips,optional"`
	PropertyWhitelist []string  `hcl:"property_whitelist,optional"`
	PullRequestRef    *string   `hcl:"pullrequest_ref,optional"`
}

// decodeChangeHook decodes a `change_hook "<dialect>"` block.
func (l *loader) decodeChangeHook(b *hcl.Block) {
	var raw changeHookRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	h := ChangeHook{Dialect: b.Labels[0], PropertyWhitelist: raw.PropertyWhitelist, Range: b.DefRange}
	set(&h.Secret, raw.Secret)
	set(&h.Strict, raw.Strict)
	set(&h.Codebase, raw.Codebase)
	set(&h.Token, raw.Token)
	if d := enumDiag(nil, "change hook dialect", h.Dialect, changeHookDialects, b.LabelRanges[0]); d != nil {
		l.add(d)
	} else {
		for _, prev := range l.cfg.ChangeHooks {
			if prev.Dialect == h.Dialect {
				l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate change_hook %q", h.Dialect),
					fmt.Sprintf("A change_hook for %q was already declared at %s; each dialect is served once.", h.Dialect, prev.Range),
					b.LabelRanges[0]))
			}
		}
	}
	if h.Dialect == "github" {
		h.Skips = githubSkips
		h.PullRequestRef = "merge"
	}
	if raw.Skips != nil {
		h.Skips = *raw.Skips
	}
	set(&h.PullRequestRef, raw.PullRequestRef)
	for _, s := range h.Skips {
		if _, err := regexp.Compile(s); err != nil {
			l.diags = append(l.diags, errorDiag("Invalid skips pattern",
				fmt.Sprintf("%q is not a regular expression: %s.", s, err), attrRange(content, "skips", b.DefRange)))
		}
	}
	if h.Strict && h.Secret == "" {
		l.diags = append(l.diags, errorDiag("Strict change hook without secret",
			"strict = true requires every request to be signed with the secret, so a secret is needed.",
			attrRange(content, "strict", b.DefRange)))
	}
	l.cfg.ChangeHooks = append(l.cfg.ChangeHooks, h)
}

type lockRaw struct {
	MaxCount          *int           `hcl:"max_count,optional"`
	MaxCountForWorker map[string]int `hcl:"max_count_for_worker,optional"`
}

// decodeLock decodes a `lock "worker"|"master" "NAME"` block.
func (l *loader) decodeLock(b *hcl.Block) {
	var raw lockRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	lk := Lock{Type: b.Labels[0], Name: b.Labels[1], MaxCount: 1, MaxCountForWorker: raw.MaxCountForWorker, Range: b.DefRange}
	set(&lk.MaxCount, raw.MaxCount)
	l.add(enumDiag(nil, "lock type", lk.Type, lockTypes, b.LabelRanges[0]))
	if lk.Name == "" {
		l.diags = append(l.diags, errorDiag("Invalid lock name", "A lock name must not be empty.", b.LabelRanges[1]))
	}
	for _, prev := range l.cfg.Locks {
		if prev.Name == lk.Name {
			l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate lock %q", lk.Name),
				fmt.Sprintf("A lock named %q was already declared at %s. Lock names must be unique, whatever their type.",
					lk.Name, prev.Range), b.LabelRanges[1]))
		}
	}
	l.add(minDiag(content, "max_count", lk.MaxCount, 1, b.DefRange))
	if lk.Type == "master" && len(lk.MaxCountForWorker) > 0 {
		l.diags = append(l.diags, errorDiag("Unexpected max_count_for_worker",
			"max_count_for_worker only applies to worker locks.", attrRange(content, "max_count_for_worker", b.DefRange)))
	}
	for w, n := range lk.MaxCountForWorker {
		if n < 1 {
			l.diags = append(l.diags, errorDiag("Invalid max_count_for_worker",
				fmt.Sprintf("The count for worker %q must be at least 1; got %d.", w, n),
				attrRange(content, "max_count_for_worker", b.DefRange)))
		}
	}
	l.cfg.Locks = append(l.cfg.Locks, lk)
}

type metricsRaw struct {
	LogInterval *hcl.Attribute `hcl:"log_interval,optional"`
}

// decodeMetrics decodes the metrics block.
func (l *loader) decodeMetrics(b *hcl.Block) {
	if b == nil {
		return
	}
	var raw metricsRaw
	_, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	m := Metrics{Range: b.DefRange}
	m.LogInterval, _, diags = decodeDuration(raw.LogInterval, l.ctx)
	l.diags = append(l.diags, diags...)
	l.cfg.Metrics = m
}

type cachesRaw struct {
	Changes            *int `hcl:"changes,optional"`
	Builds             *int `hcl:"builds,optional"`
	Chdicts            *int `hcl:"chdicts,optional"`
	BuildRequests      *int `hcl:"buildrequests,optional"`
	SSDicts            *int `hcl:"ssdicts,optional"`
	ObjectIDs          *int `hcl:"objectids,optional"`
	USDicts            *int `hcl:"usdicts,optional"`
	BuildsetProperties *int `hcl:"buildset_properties,optional"`
}

// decodeCaches decodes the caches block; Sizes always holds every cache.
func (l *loader) decodeCaches(b *hcl.Block) {
	c := Caches{Sizes: map[string]int{}}
	for name, n := range cacheDefaults {
		c.Sizes[name] = n
	}
	if b != nil {
		var raw cachesRaw
		content, diags := decodeBody(b.Body, l.ctx, &raw)
		l.diags = append(l.diags, diags...)
		c.Range = b.DefRange
		for name, v := range map[string]*int{
			"changes": raw.Changes, "builds": raw.Builds, "chdicts": raw.Chdicts,
			"buildrequests": raw.BuildRequests, "ssdicts": raw.SSDicts, "objectids": raw.ObjectIDs,
			"usdicts": raw.USDicts, "buildset_properties": raw.BuildsetProperties,
		} {
			if v == nil {
				continue
			}
			c.Sizes[name] = *v
			l.add(minDiag(content, name, *v, 1, b.DefRange))
		}
	}
	l.cfg.Caches = c
}

type manholeRaw struct {
	Listen         string `hcl:"listen"`
	AuthorizedKeys string `hcl:"authorized_keys"`
}

// decodeManhole decodes the manhole block.
func (l *loader) decodeManhole(b *hcl.Block) {
	if b == nil {
		return
	}
	var raw manholeRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	m := &Manhole{Listen: raw.Listen, AuthorizedKeys: raw.AuthorizedKeys, Range: b.DefRange}
	if _, ok := content.Attributes["listen"]; ok {
		l.add(listenDiag(content, "listen", m.Listen, b.DefRange))
	}
	if _, ok := content.Attributes["authorized_keys"]; ok {
		if err := checkAuthorizedKeys(m.AuthorizedKeys); err != nil {
			l.diags = append(l.diags, errorDiag("Invalid authorized_keys",
				fmt.Sprintf("authorized_keys must hold SSH public keys in OpenSSH's authorized_keys format: %s.", err),
				attrRange(content, "authorized_keys", b.DefRange)))
		}
	}
	l.cfg.Manhole = m
}

// checkAuthorizedKeys parses every key line of an authorized_keys text.
func checkAuthorizedKeys(text string) error {
	n := 0
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
			return fmt.Errorf("line %d is not a public key (%s)", i+1, strings.TrimPrefix(err.Error(), "ssh: "))
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("there is no key")
	}
	return nil
}
