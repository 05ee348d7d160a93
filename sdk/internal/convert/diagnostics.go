package convert

import (
	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/zclconf/go-cty/cty"
)

// DiagnosticsToProto converts diagnostics.
func DiagnosticsToProto(ds base.Diagnostics) []*pb.Diagnostic {
	out := make([]*pb.Diagnostic, 0, len(ds))
	for _, d := range ds {
		sev := pb.Diagnostic_ERROR
		if d.Severity == base.SeverityWarning {
			sev = pb.Diagnostic_WARNING
		}
		out = append(out, &pb.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Attribute: PathToProto(d.Path)})
	}
	return out
}

// DiagnosticsFromProto converts diagnostics.
func DiagnosticsFromProto(ds []*pb.Diagnostic) base.Diagnostics {
	var out base.Diagnostics
	for _, d := range ds {
		sev := base.SeverityError
		if d.GetSeverity() == pb.Diagnostic_WARNING {
			sev = base.SeverityWarning
		}
		out = append(out, base.Diagnostic{Severity: sev, Summary: d.GetSummary(), Detail: d.GetDetail(), Path: PathFromProto(d.GetAttribute())})
	}
	return out
}

// PathToProto converts an attribute path; unsupported steps are dropped.
func PathToProto(p cty.Path) *pb.AttributePath {
	if len(p) == 0 {
		return nil
	}
	out := &pb.AttributePath{}
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			out.Steps = append(out.Steps, &pb.AttributePath_Step{Selector: &pb.AttributePath_Step_AttributeName{AttributeName: s.Name}})
		case cty.IndexStep:
			if s.Key.IsNull() || !s.Key.IsKnown() {
				continue
			}
			switch s.Key.Type() {
			case cty.String:
				out.Steps = append(out.Steps, &pb.AttributePath_Step{Selector: &pb.AttributePath_Step_ElementKeyString{ElementKeyString: s.Key.AsString()}})
			case cty.Number:
				i, _ := s.Key.AsBigFloat().Int64()
				out.Steps = append(out.Steps, &pb.AttributePath_Step{Selector: &pb.AttributePath_Step_ElementKeyInt{ElementKeyInt: i}})
			}
		}
	}
	return out
}

// PathFromProto converts an attribute path.
func PathFromProto(p *pb.AttributePath) cty.Path {
	if p == nil {
		return nil
	}
	var out cty.Path
	for _, s := range p.Steps {
		switch sel := s.Selector.(type) {
		case *pb.AttributePath_Step_AttributeName:
			out = append(out, cty.GetAttrStep{Name: sel.AttributeName})
		case *pb.AttributePath_Step_ElementKeyString:
			out = append(out, cty.IndexStep{Key: cty.StringVal(sel.ElementKeyString)})
		case *pb.AttributePath_Step_ElementKeyInt:
			out = append(out, cty.IndexStep{Key: cty.NumberIntVal(sel.ElementKeyInt)})
		}
	}
	return out
}
