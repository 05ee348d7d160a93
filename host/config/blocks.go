package config

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Defaults of the host blocks (SPEC §3, Buildbot's config/master.py where
// bbhost does not differ).
const (
	DefaultTitle          = "bbhost"
	DefaultURL            = "http://localhost:8010/"
	DefaultDatabaseURL    = "sqlite:///state.sqlite"
	DefaultMQ             = "simple"
	DefaultLogCompression = "zstd"
	DefaultLogEncoding    = "utf-8"
	DefaultWWWListen      = "127.0.0.1:8010"
)

var (
	logCompressions = []string{"zstd", "gz", "raw"}
	mqTypes         = []string{"simple", "nats"}
	protocolTypes   = []string{"pb", "msgpack"}
	databaseSchemes = []string{"sqlite", "postgres", "postgresql"}
)

type masterRaw struct {
	Name             *string        `hcl:"name,optional"`
	Title            *string        `hcl:"title,optional"`
	URL              *string        `hcl:"url,optional"`
	Basedir          *string        `hcl:"basedir,optional"`
	LogCompression   *string        `hcl:"log_compression,optional"`
	LogEncoding      *string        `hcl:"log_encoding,optional"`
	CollapseRequests *bool          `hcl:"collapse_requests,optional"`
	ChangeHorizon    *int           `hcl:"change_horizon,optional"`
	Properties       *hcl.Attribute `hcl:"properties,optional"`
}

// decodeMaster decodes the master block (b may be nil: all defaults).
func (l *loader) decodeMaster(b *hcl.Block) {
	m := Master{
		Title:            DefaultTitle,
		URL:              DefaultURL,
		Basedir:          l.cfg.Dir,
		LogCompression:   DefaultLogCompression,
		LogEncoding:      DefaultLogEncoding,
		CollapseRequests: true,
	}
	var raw masterRaw
	var content *hcl.BodyContent
	if b != nil {
		var diags hcl.Diagnostics
		content, diags = decodeBody(b.Body, l.ctx, &raw)
		l.diags = append(l.diags, diags...)
		m.Range = b.DefRange
		m.Properties, diags = decodeObject(raw.Properties, l.ctx)
		l.diags = append(l.diags, diags...)
	}
	set(&m.Title, raw.Title)
	set(&m.LogEncoding, raw.LogEncoding)
	set(&m.CollapseRequests, raw.CollapseRequests)
	set(&m.ChangeHorizon, raw.ChangeHorizon)
	if raw.Basedir != nil && *raw.Basedir != "" {
		m.Basedir = l.absPath(*raw.Basedir)
	}
	m.Name = l.hostname() + ":" + m.Basedir
	if raw.Name != nil {
		m.Name = *raw.Name
		if m.Name == "" {
			l.diags = append(l.diags, errorDiag("Invalid name", "The master name must not be empty.",
				attrRange(content, "name", m.Range)))
		}
	}
	if raw.URL != nil {
		m.URL = *raw.URL
		if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.diags = append(l.diags, errorDiag("Invalid url",
				fmt.Sprintf("%q is not an absolute http or https URL, such as \"https://ci.example.org/\".", m.URL),
				attrRange(content, "url", m.Range)))
		} else if !strings.HasSuffix(m.URL, "/") {
			m.URL += "/"
		}
	}
	if raw.LogCompression != nil {
		m.LogCompression = *raw.LogCompression
		l.add(enumDiag(content, "log_compression", m.LogCompression, logCompressions, m.Range))
	}
	if m.LogEncoding == "" {
		l.diags = append(l.diags, errorDiag("Invalid log_encoding", "log_encoding must not be empty.",
			attrRange(content, "log_encoding", m.Range)))
	}
	l.add(minDiag(content, "change_horizon", m.ChangeHorizon, 0, m.Range))
	l.cfg.Master = m
}

// hostname is the host name for the default master name.
func (l *loader) hostname() string {
	if l.opts.Hostname != "" {
		return l.opts.Hostname
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

type databaseRaw struct {
	URL         *string        `hcl:"url,optional"`
	CommitDelay *hcl.Attribute `hcl:"commit_delay,optional"`
}

// decodeDatabase decodes the database block.
func (l *loader) decodeDatabase(b *hcl.Block) {
	db := Database{URL: DefaultDatabaseURL, CommitDelay: DefaultCommitDelay}
	if b == nil {
		l.cfg.Database = db
		return
	}
	var raw databaseRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	db.Range = b.DefRange
	set(&db.URL, raw.URL)
	if d, ok, diags := decodeDuration(raw.CommitDelay, l.ctx); ok {
		db.CommitDelay = d
	} else {
		l.diags = append(l.diags, diags...)
	}
	if err := checkDatabaseURL(db.URL); err != nil {
		l.diags = append(l.diags, errorDiag("Invalid database url",
			fmt.Sprintf("%s. Use \"sqlite:///state.sqlite\" (relative to the base directory), "+
				"\"sqlite:////absolute/path.sqlite\" or \"postgres://user:password@host:5432/db\".", err),
			attrRange(content, "url", b.DefRange)))
	}
	l.cfg.Database = db
}

// checkDatabaseURL accepts sqlite and postgres(ql) URLs.
func checkDatabaseURL(s string) error {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return fmt.Errorf("%q is not a URL", s)
	}
	switch scheme {
	case "sqlite":
		if rest == "" || rest == "/" {
			return fmt.Errorf("%q names no database file", s)
		}
		return nil
	case "postgres", "postgresql":
		if _, err := url.Parse(s); err != nil {
			return fmt.Errorf("%q is not a valid URL", s)
		}
		return nil
	}
	return fmt.Errorf("the scheme %q is not supported (use %s)%s", scheme,
		quotedList(databaseSchemes, "or"), strings.TrimSuffix(didYouMean(scheme, databaseSchemes), "?"))
}

type mqRaw struct {
	Type *string `hcl:"type,optional"`
	URL  *string `hcl:"url,optional"`
}

// decodeMQ decodes the mq block.
func (l *loader) decodeMQ(b *hcl.Block) {
	mq := MQ{Type: DefaultMQ}
	if b == nil {
		l.cfg.MQ = mq
		return
	}
	var raw mqRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	mq.Range = b.DefRange
	set(&mq.Type, raw.Type)
	set(&mq.URL, raw.URL)
	l.add(enumDiag(content, "type", mq.Type, mqTypes, b.DefRange))
	switch {
	case mq.Type == "nats" && mq.URL == "":
		l.diags = append(l.diags, errorDiag("Missing NATS url",
			`An mq block of type "nats" needs the server's url, such as "nats://127.0.0.1:4222".`,
			attrRange(content, "type", b.DefRange)))
	case mq.Type == "nats":
		if u, err := url.Parse(mq.URL); err != nil || u.Scheme == "" || u.Host == "" {
			l.diags = append(l.diags, errorDiag("Invalid NATS url",
				fmt.Sprintf("%q is not a NATS server URL, such as \"nats://127.0.0.1:4222\".", mq.URL),
				attrRange(content, "url", b.DefRange)))
		}
	case mq.URL != "":
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Unused mq url",
			Detail:  fmt.Sprintf("url is only used by the \"nats\" mq; the %q mq ignores it.", mq.Type),
			Subject: attrRange(content, "url", b.DefRange).Ptr()})
	}
	l.cfg.MQ = mq
}

type wwwRaw struct {
	Listen         *string  `hcl:"listen,optional"`
	AllowedOrigins []string `hcl:"allowed_origins,optional"`
}

// decodeWWW decodes the www block; without one there is no web server.
func (l *loader) decodeWWW(b *hcl.Block) {
	if b == nil {
		return
	}
	var raw wwwRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	w := WWW{Listen: DefaultWWWListen, AllowedOrigins: raw.AllowedOrigins, Range: b.DefRange}
	set(&w.Listen, raw.Listen)
	l.add(listenDiag(content, "listen", w.Listen, b.DefRange))
	l.cfg.WWW = w
}

type protocolRaw struct {
	Listen string `hcl:"listen"`
}

// decodeProtocol decodes a `protocol "pb"|"msgpack"` block.
func (l *loader) decodeProtocol(b *hcl.Block) {
	var raw protocolRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	p := Protocol{Type: b.Labels[0], Listen: raw.Listen, Range: b.DefRange}
	if d := enumDiag(nil, "protocol", p.Type, protocolTypes, b.LabelRanges[0]); d != nil {
		l.add(d)
	} else {
		for _, prev := range l.cfg.Protocols {
			if prev.Type == p.Type {
				l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate protocol %q", p.Type),
					fmt.Sprintf("The %q protocol was already configured at %s; each protocol listens once.", p.Type, prev.Range),
					b.LabelRanges[0]))
			}
		}
	}
	if _, ok := content.Attributes["listen"]; ok {
		l.add(listenDiag(content, "listen", p.Listen, b.DefRange))
	}
	l.cfg.Protocols = append(l.cfg.Protocols, p)
}

type pluginPinRaw struct {
	Source *string `hcl:"source,optional"`
	SHA256 *string `hcl:"sha256,optional"`
}

// decodePluginPin decodes a `plugin "NAME"` block.
func (l *loader) decodePluginPin(b *hcl.Block) {
	var raw pluginPinRaw
	content, diags := decodeBody(b.Body, l.ctx, &raw)
	l.diags = append(l.diags, diags...)
	p := PluginPin{Name: b.Labels[0], Range: b.DefRange}
	if !identRe.MatchString(p.Name) {
		l.diags = append(l.diags, errorDiag("Invalid plugin name",
			fmt.Sprintf("%q is not a plugin name: the plugin's binary is bbhost-plugin-NAME, where NAME has only letters, digits, \"_\" and \"-\".", p.Name),
			b.LabelRanges[0]))
	}
	for _, prev := range l.cfg.Plugins {
		if prev.Name == p.Name {
			l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate plugin %q", p.Name),
				fmt.Sprintf("The plugin %q was already pinned at %s.", p.Name, prev.Range), b.LabelRanges[0]))
		}
	}
	if raw.Source != nil && *raw.Source != "" {
		p.Source = l.absPath(*raw.Source)
	}
	if raw.SHA256 != nil {
		p.SHA256 = strings.ToLower(*raw.SHA256)
		if dec, err := hex.DecodeString(p.SHA256); err != nil || len(dec) != 32 {
			l.diags = append(l.diags, errorDiag("Invalid sha256",
				fmt.Sprintf("%q is not a SHA-256 checksum: 64 hexadecimal digits, as printed by sha256sum.", *raw.SHA256),
				attrRange(content, "sha256", b.DefRange)))
		}
	}
	l.cfg.Plugins = append(l.cfg.Plugins, p)
}

// set assigns *src to *dst when src is not nil.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// add appends d unless it is nil.
func (l *loader) add(d *hcl.Diagnostic) {
	if d != nil {
		l.diags = append(l.diags, d)
	}
}
