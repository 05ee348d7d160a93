package config

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// typeNoun is how diagnostics name a plugin type.
var typeNoun = map[PluginType]string{
	TypeWorker:       "worker",
	TypeChangeSource: "change source",
	TypeScheduler:    "scheduler",
	TypeUserManager:  "user manager",
}

// decodePluginBlock decodes one `<type> "<kind>" "<name>"` block (duplicate
// names are checked once everything is decoded).
func (l *loader) decodePluginBlock(typ PluginType, b *hcl.Block) PluginBlock {
	pb := PluginBlock{
		Type: typ, Kind: b.Labels[0], Name: b.Labels[1], Body: b.Body,
		DefRange: b.DefRange, KindRange: b.LabelRanges[0], NameRange: b.LabelRanges[1],
		AttrRanges: attrRanges(bodyAttributes(b.Body)),
	}
	l.checkPluginName(&pb)
	decoded := l.decodePluginBody(&pb)
	l.checkPluginAttrs(&pb, !decoded)
	return pb
}

// pluginList returns the configuration's list of blocks of a plugin type.
func (c *Config) pluginList(typ PluginType) *[]PluginBlock {
	switch typ {
	case TypeWorker:
		return &c.Workers
	case TypeChangeSource:
		return &c.ChangeSources
	case TypeScheduler:
		return &c.Schedulers
	default:
		return &c.UserManagers
	}
}

// pluginSpec is the spec a plugin block of typ and kind is decoded with, or
// nil when there is none (no schemas, unknown kind).
func (l *loader) pluginSpec(typ PluginType, kind string) hcldec.Spec {
	if l.opts.Schemas == nil {
		return nil
	}
	tk := typeKind{typ, kind}
	if spec, ok := l.specs[tk]; ok {
		return spec
	}
	spec, ok := l.opts.Schemas.Spec(typ, kind)
	if !ok {
		spec, _ = BuiltinSpec(typ, kind)
	}
	if l.specs == nil {
		l.specs = map[typeKind]hcldec.Spec{}
	}
	l.specs[tk] = spec
	return spec
}

// checkPluginName applies Buildbot's naming rules.
func (l *loader) checkPluginName(pb *PluginBlock) {
	switch {
	case pb.Type == TypeWorker && (!identRe.MatchString(pb.Name) || len([]rune(pb.Name)) > maxWorkerName):
		l.diags = append(l.diags, errorDiag("Invalid worker name",
			fmt.Sprintf("%q is not a valid worker name: use at most %d letters, digits, \"_\" and \"-\", not starting with a digit.",
				pb.Name, maxWorkerName), pb.NameRange))
	case pb.Name == "":
		l.diags = append(l.diags, errorDiag(fmt.Sprintf("Invalid %s name", typeNoun[pb.Type]),
			fmt.Sprintf("A %s name must not be empty.", typeNoun[pb.Type]), pb.NameRange))
	}
}

// decodePluginBody reads the common attributes and, when the kind's schema
// is known, decodes the whole body into pb.Value. It reports whether the
// body was decoded against a schema.
func (l *loader) decodePluginBody(pb *PluginBlock) bool {
	if l.opts.Schemas == nil {
		l.readCommon(pb, true)
		return false
	}
	spec, ok := l.opts.Schemas.Spec(pb.Type, pb.Kind)
	if !ok {
		spec, ok = BuiltinSpec(pb.Type, pb.Kind)
	}
	if !ok {
		l.diags = append(l.diags, l.unknownKindDiag(pb))
		l.readCommon(pb, true)
		return false
	}
	// The schema decode reports problems with the common attributes too.
	l.readCommon(pb, false)
	hadErrors := l.diags.HasErrors()
	val, diags := SafeDecode(pb.Body, PluginSpec(pb.Type, spec), l.ctx, pb.DefRange)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return true
	}
	val, _ = val.UnmarkDeep()
	if !val.IsWhollyKnown() {
		if !hadErrors { // otherwise the unknown comes from an error already reported
			l.diags = append(l.diags, errorDiag("Value not known",
				fmt.Sprintf("The configuration of %s %q depends on values that cannot be computed.", typeNoun[pb.Type], pb.Name),
				pb.DefRange))
		}
		return true
	}
	pb.Value = val
	return true
}

// unknownKindDiag reports a kind no plugin provides, listing the known ones.
func (l *loader) unknownKindDiag(pb *PluginBlock) *hcl.Diagnostic {
	noun := typeNoun[pb.Type]
	kinds := l.knownKinds(pb.Type)
	detail := fmt.Sprintf("No plugin provides a %s of kind %q.", noun, pb.Kind)
	if len(kinds) == 0 {
		detail += fmt.Sprintf(" No %s kinds are available at all; install a plugin that provides one.", noun)
	} else {
		detail += didYouMean(pb.Kind, kinds) + fmt.Sprintf(" The known %s kinds are %s.", noun, quotedList(kinds, "and"))
	}
	return errorDiag(fmt.Sprintf("Unknown %s kind", noun), detail, pb.KindRange)
}

// knownKinds lists the kinds of typ from the SchemaSource and the host.
func (l *loader) knownKinds(typ PluginType) []string {
	set := map[string]bool{}
	for _, k := range l.opts.Schemas.Kinds(typ) {
		set[k] = true
	}
	for _, k := range BuiltinKinds(typ) {
		set[k] = true
	}
	kinds := make([]string, 0, len(set))
	for k := range set {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

type schedulerCommonRaw struct {
	Builders   *hcl.Attribute `hcl:"builders,optional"`
	Properties *hcl.Attribute `hcl:"properties,optional"`
}

type workerCommonRaw struct {
	MaxBuilds  *int           `hcl:"max_builds,optional"`
	Properties *hcl.Attribute `hcl:"properties,optional"`
}

// readCommon reads the attributes the host uses from a plugin block:
// schedulers' builders and properties, workers' max_builds and properties.
// When report is false its diagnostics are dropped (the schema decode
// reports the same problems).
func (l *loader) readCommon(pb *PluginBlock, report bool) {
	var diags hcl.Diagnostics
	switch pb.Type {
	case TypeScheduler:
		var raw schedulerCommonRaw
		content, _, d := pb.Body.PartialContent(mergeSchemas(&raw))
		diags = append(diags, d...)
		diags = append(diags, decodeAttrs(content.Attributes, l.ctx, &raw)...)
		if raw.Builders == nil {
			diags = append(diags, errorDiag("Missing required argument",
				fmt.Sprintf("The argument \"builders\" is required: scheduler %q must name the builders it feeds.", pb.Name),
				pb.DefRange))
		} else {
			names, ranges, d := decodeNameList(raw.Builders, l.ctx)
			diags = append(diags, d...)
			pb.Builders = names
			for i, n := range names {
				l.builderRefs = append(l.builderRefs, ref{name: n, rng: ranges[i], from: fmt.Sprintf("Scheduler %q", pb.Name)})
			}
		}
		pb.Properties, d = decodeObject(raw.Properties, l.ctx)
		diags = append(diags, d...)
	case TypeWorker:
		var raw workerCommonRaw
		content, _, d := pb.Body.PartialContent(mergeSchemas(&raw))
		diags = append(diags, d...)
		diags = append(diags, decodeAttrs(content.Attributes, l.ctx, &raw)...)
		set(&pb.MaxBuilds, raw.MaxBuilds)
		if d := minDiag(content, "max_builds", pb.MaxBuilds, 0, pb.DefRange); d != nil {
			diags = append(diags, d)
		}
		pb.Properties, d = decodeObject(raw.Properties, l.ctx)
		diags = append(diags, d...)
	}
	if report {
		l.diags = append(l.diags, diags...)
	}
}

// checkPluginAttrs checks the attributes the host understands by name in
// any plugin block: `cron` (a cron expression) and durations (see
// IsDurationAttr). When the body was not decoded against a schema, errors in
// evaluating its other top-level attributes are reported too, so mistakes
// such as an undeclared local show up without the plugin.
func (l *loader) checkPluginAttrs(pb *PluginBlock, reportEval bool) {
	attrs := bodyAttributes(pb.Body)
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return attrs[names[i]].Range.Start.Byte < attrs[names[j]].Range.Start.Byte })
	common := CommonSpec(pb.Type)
	for _, name := range names {
		attr := attrs[name]
		if _, isCommon := common[name]; isCommon {
			continue
		}
		val, diags := evalAttr(attr, l.ctx)
		if reportEval {
			l.diags = append(l.diags, diags...)
		}
		if diags.HasErrors() || val.IsNull() || !val.IsWhollyKnown() {
			continue
		}
		switch {
		case name == "cron" && val.Type() == cty.String:
			if err := ParseCron(val.AsString()); err != nil {
				l.diags = append(l.diags, cronDiag(attr, val.AsString(), err))
			}
		case IsDurationAttr(name) && (val.Type() == cty.String || val.Type() == cty.Number):
			if _, err := DurationValue(val); err != nil {
				l.diags = append(l.diags, durationDiag(attr, val, err))
			}
		}
	}
}

// bodyAttributes returns the top-level attributes of a body, whatever its
// syntax, without reporting anything.
func bodyAttributes(body hcl.Body) hcl.Attributes {
	if sb, ok := body.(*hclsyntax.Body); ok {
		out := make(hcl.Attributes, len(sb.Attributes))
		for name, a := range sb.Attributes {
			out[name] = a.AsHCLAttribute()
		}
		return out
	}
	attrs, _ := body.JustAttributes()
	if attrs == nil {
		attrs = hcl.Attributes{}
	}
	return attrs
}

// decodeNameList decodes a list of names with the range of each element
// (the element's own range in a literal list, else the attribute's value).
func decodeNameList(attr *hcl.Attribute, ctx *hcl.EvalContext) ([]string, []hcl.Range, hcl.Diagnostics) {
	if names, ranges, ok := literalStrings(attr.Expr); ok {
		return names, ranges, nil
	}
	var names []string
	diags := decodeInto(attr, ctx, &names)
	ranges := make([]hcl.Range, len(names))
	exprs, d := hcl.ExprList(attr.Expr)
	for i := range names {
		ranges[i] = attr.Expr.Range()
		if !d.HasErrors() && len(exprs) == len(names) {
			ranges[i] = exprs[i].Range()
		}
	}
	return names, ranges, diags
}

// SafeDecode is hcldec.Decode for a spec that came from a plugin: a spec
// hcldec cannot handle makes it panic (for example an `any` attribute inside
// a repeated block whose elements differ in type), and a plugin must never be
// able to crash the master, so the panic becomes a diagnostic on the block.
func SafeDecode(body hcl.Body, spec hcldec.Spec, ctx *hcl.EvalContext, blockRange hcl.Range) (val cty.Value, diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			val = cty.DynamicVal
			diags = hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Plugin schema cannot decode this block",
				Detail:   fmt.Sprintf("The plugin's schema for this block could not be applied (%v). The block's values may mix types where the plugin expects one; this is a defect of the plugin's schema.", r),
				Subject:  blockRange.Ptr(),
			}}
		}
	}()
	return hcldec.Decode(body, spec, ctx)
}

// DecodePlugins decodes the plugin blocks of cfg, loaded without schemas,
// against the plugins' schemas, as Load does when it is given them: unknown
// kinds and values the schemas refuse are reported and PluginBlock.Value is
// set. It lets a caller parse the files once and still learn from them where
// the plugins live (the base directory) before asking the plugins.
func DecodePlugins(cfg *Config, schemas SchemaSource) hcl.Diagnostics {
	l := &loader{opts: LoadOptions{Schemas: schemas}, cfg: cfg, ctx: cfg.EvalContext, order: map[string]int{}}
	for i, f := range cfg.Files {
		l.order[f] = i
	}
	for _, list := range []*[]PluginBlock{&cfg.Workers, &cfg.ChangeSources, &cfg.Schedulers, &cfg.UserManagers} {
		for i := range *list {
			l.decodePluginBody(&(*list)[i])
		}
	}
	sortDiagnostics(l.diags, l.order)
	return l.diags
}
