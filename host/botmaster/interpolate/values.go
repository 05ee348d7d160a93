package interpolate

// Values is a Context over plain maps, for callers that have everything at
// hand (tests, rendering outside a build).
type Values struct {
	Props map[string]any
	// Sources maps a codebase to its source stamp's attributes.
	Sources map[string]map[string]any
	Worker  map[string]any
	Kw      map[string]any
}

var _ Context = Values{}

// Property implements Context.
func (v Values) Property(name string) (any, bool) { x, ok := v.Props[name]; return x, ok }

// SourceStampAttr implements Context.
func (v Values) SourceStampAttr(codebase, attr string) (any, bool) {
	ss, ok := v.Sources[codebase]
	if !ok {
		return nil, false
	}
	x, ok := ss[attr]
	return x, ok
}

// WorkerInfo implements Context.
func (v Values) WorkerInfo(key string) (any, bool) { x, ok := v.Worker[key]; return x, ok }

// Keyword implements Context.
func (v Values) Keyword(name string) (any, bool) { x, ok := v.Kw[name]; return x, ok }
