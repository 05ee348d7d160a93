package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"

	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
)

const maxValueDepth = 64

// ValueToProto converts a JSON-compatible Go value: nil, bool, integers,
// floats, string, []byte, []string, map[string]string, []any,
// map[string]any, json.Number, json.RawMessage. Other types go through
// encoding/json.
func ValueToProto(v any) (*pb.Value, error) { return valueToProto(v, 0) }

func valueToProto(v any, depth int) (*pb.Value, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value nested too deep")
	}
	switch v := v.(type) {
	case nil:
		return &pb.Value{Kind: &pb.Value_Null{Null: true}}, nil
	case bool:
		return &pb.Value{Kind: &pb.Value_Bool{Bool: v}}, nil
	case int:
		return intVal(int64(v)), nil
	case int8:
		return intVal(int64(v)), nil
	case int16:
		return intVal(int64(v)), nil
	case int32:
		return intVal(int64(v)), nil
	case int64:
		return intVal(v), nil
	case uint:
		return uintVal(uint64(v)), nil
	case uint8:
		return intVal(int64(v)), nil
	case uint16:
		return intVal(int64(v)), nil
	case uint32:
		return intVal(int64(v)), nil
	case uint64:
		return uintVal(v), nil
	case float32:
		return &pb.Value{Kind: &pb.Value_Float{Float: float64(v)}}, nil
	case float64:
		return &pb.Value{Kind: &pb.Value_Float{Float: v}}, nil
	case string:
		return &pb.Value{Kind: &pb.Value_String_{String_: v}}, nil
	case []byte:
		return &pb.Value{Kind: &pb.Value_Bytes{Bytes: v}}, nil
	case []string:
		return &pb.Value{Kind: &pb.Value_StringList_{StringList: &pb.Value_StringList{Items: v}}}, nil
	case map[string]string:
		return &pb.Value{Kind: &pb.Value_StringMap_{StringMap: &pb.Value_StringMap{Items: v}}}, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return intVal(i), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %q: %w", v, err)
		}
		return &pb.Value{Kind: &pb.Value_Float{Float: f}}, nil
	case json.RawMessage:
		var x any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return nil, fmt.Errorf("raw JSON value: %w", err)
		}
		return valueToProto(x, depth+1)
	case []any:
		items := make([]*pb.Value, len(v))
		for i, x := range v {
			pv, err := valueToProto(x, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			items[i] = pv
		}
		return &pb.Value{Kind: &pb.Value_List_{List: &pb.Value_List{Items: items}}}, nil
	case map[string]any:
		items := make(map[string]*pb.Value, len(v))
		for k, x := range v {
			pv, err := valueToProto(x, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
			items[k] = pv
		}
		return &pb.Value{Kind: &pb.Value_Map_{Map: &pb.Value_Map{Items: items}}}, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return valueToProto(nil, depth)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("unsupported value of type %T: %w", v, err)
	}
	return valueToProto(json.RawMessage(b), depth+1)
}

func intVal(i int64) *pb.Value { return &pb.Value{Kind: &pb.Value_Int{Int: i}} }

func uintVal(u uint64) *pb.Value {
	if u > math.MaxInt64 {
		return &pb.Value{Kind: &pb.Value_Float{Float: float64(u)}}
	}
	return intVal(int64(u))
}

// ValueFromProto converts back to Go: nil, bool, int64, float64, string,
// []byte, []string, map[string]string, []any, map[string]any.
func ValueFromProto(v *pb.Value) (any, error) { return valueFromProto(v, 0) }

func valueFromProto(v *pb.Value, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, fmt.Errorf("value nested too deep")
	}
	if v == nil {
		return nil, nil
	}
	switch k := v.Kind.(type) {
	case nil, *pb.Value_Null:
		return nil, nil
	case *pb.Value_Bool:
		return k.Bool, nil
	case *pb.Value_Int:
		return k.Int, nil
	case *pb.Value_Float:
		return k.Float, nil
	case *pb.Value_String_:
		return k.String_, nil
	case *pb.Value_Bytes:
		return k.Bytes, nil
	case *pb.Value_StringList_:
		if k.StringList == nil || k.StringList.Items == nil {
			return []string{}, nil
		}
		return k.StringList.Items, nil
	case *pb.Value_StringMap_:
		if k.StringMap == nil || k.StringMap.Items == nil {
			return map[string]string{}, nil
		}
		return k.StringMap.Items, nil
	case *pb.Value_List_:
		var items []*pb.Value
		if k.List != nil {
			items = k.List.Items
		}
		out := make([]any, len(items))
		for i, x := range items {
			gv, err := valueFromProto(x, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = gv
		}
		return out, nil
	case *pb.Value_Map_:
		var items map[string]*pb.Value
		if k.Map != nil {
			items = k.Map.Items
		}
		out := make(map[string]any, len(items))
		for key, x := range items {
			gv, err := valueFromProto(x, depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = gv
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value kind %T", v.Kind)
}

// ValueMapToProto converts a map of values; nil stays nil.
func ValueMapToProto(m map[string]any) (map[string]*pb.Value, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]*pb.Value, len(m))
	for k, v := range m {
		pv, err := ValueToProto(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = pv
	}
	return out, nil
}

// ValueMapFromProto converts a map of values; nil stays nil.
func ValueMapFromProto(m map[string]*pb.Value) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		gv, err := ValueFromProto(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = gv
	}
	return out, nil
}

// PropertiesToProto converts sourced properties.
func PropertiesToProto(m map[string]base.Property) (map[string]*pb.Property, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]*pb.Property, len(m))
	for k, p := range m {
		pv, err := ValueToProto(p.Value)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
		out[k] = &pb.Property{Value: pv, Source: p.Source}
	}
	return out, nil
}

// PropertiesFromProto converts sourced properties.
func PropertiesFromProto(m map[string]*pb.Property) (map[string]base.Property, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]base.Property, len(m))
	for k, p := range m {
		gv, err := ValueFromProto(p.GetValue())
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
		out[k] = base.Property{Value: gv, Source: p.GetSource()}
	}
	return out, nil
}
