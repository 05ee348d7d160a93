package convert

import (
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/zclconf/go-cty/cty"
	ctyconvert "github.com/zclconf/go-cty/cty/convert"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"
)

// SchemaToProto converts a block schema.
func SchemaToProto(b base.Block) (*pb.Schema, error) {
	blk, err := blockToProto(b)
	if err != nil {
		return nil, err
	}
	return &pb.Schema{Block: blk}, nil
}

func blockToProto(b base.Block) (*pb.Schema_Block, error) {
	out := &pb.Schema_Block{Description: b.Description}
	for _, a := range b.Attributes {
		tj, err := a.Type.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		out.Attributes = append(out.Attributes, &pb.Schema_Attribute{Name: a.Name, Type: tj, Description: a.Description,
			Required: a.Required, Optional: !a.Required, Sensitive: a.Sensitive})
	}
	for _, nb := range b.Blocks {
		inner, err := blockToProto(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", nb.Name, err)
		}
		nest := pb.Schema_NestedBlock_SINGLE
		if nb.Nesting == base.NestingList {
			nest = pb.Schema_NestedBlock_LIST
		}
		out.BlockTypes = append(out.BlockTypes, &pb.Schema_NestedBlock{TypeName: nb.Name, Block: inner, Nesting: nest,
			MinItems: int64(nb.MinItems), MaxItems: int64(nb.MaxItems)})
	}
	return out, nil
}

// SchemaFromProto converts a block schema, checking what arrives.
func SchemaFromProto(s *pb.Schema) (base.Block, error) {
	if s == nil || s.Block == nil {
		return base.Block{}, nil
	}
	return blockFromProto(s.Block, 0)
}

func blockFromProto(b *pb.Schema_Block, depth int) (base.Block, error) {
	if depth > 16 {
		return base.Block{}, fmt.Errorf("schema nested too deep")
	}
	out := base.Block{Description: b.Description}
	seen := map[string]bool{}
	for _, a := range b.Attributes {
		if a.Name == "" || seen[a.Name] {
			return base.Block{}, fmt.Errorf("attribute name %q empty or repeated", a.Name)
		}
		seen[a.Name] = true
		var t cty.Type
		if err := t.UnmarshalJSON(a.Type); err != nil {
			return base.Block{}, fmt.Errorf("attribute %q: type: %w", a.Name, err)
		}
		out.Attributes = append(out.Attributes, base.Attribute{Name: a.Name, Type: t, Description: a.Description,
			Required: a.Required, Sensitive: a.Sensitive})
	}
	for _, nb := range b.BlockTypes {
		if nb.TypeName == "" || seen[nb.TypeName] {
			return base.Block{}, fmt.Errorf("block type name %q empty or repeated", nb.TypeName)
		}
		seen[nb.TypeName] = true
		var inner base.Block
		if nb.Block != nil {
			var err error
			if inner, err = blockFromProto(nb.Block, depth+1); err != nil {
				return base.Block{}, fmt.Errorf("block %q: %w", nb.TypeName, err)
			}
		}
		nest := base.NestingSingle
		switch nb.Nesting {
		case pb.Schema_NestedBlock_LIST:
			nest = base.NestingList
		case pb.Schema_NestedBlock_SINGLE:
		default:
			return base.Block{}, fmt.Errorf("block %q: unknown nesting %v", nb.TypeName, nb.Nesting)
		}
		out.Blocks = append(out.Blocks, base.NestedBlock{Name: nb.TypeName, Nesting: nest, Block: inner,
			MinItems: int(nb.MinItems), MaxItems: int(nb.MaxItems)})
	}
	return out, nil
}

// DynamicToProto encodes a configuration value with cty/msgpack against
// the schema's implied type. Unknown or marked values are refused.
func DynamicToProto(v cty.Value, t cty.Type) (*pb.DynamicValue, error) {
	if v == cty.NilVal {
		v = cty.NullVal(t)
	}
	v, _ = v.UnmarkDeep()
	if !v.Type().Equals(t) {
		cv, err := ctyconvert.Convert(v, t)
		if err != nil {
			return nil, fmt.Errorf("configuration value does not fit the schema: %w", err)
		}
		v = cv
	}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("configuration value is not wholly known")
	}
	b, err := ctymsgpack.Marshal(v, t)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	return &pb.DynamicValue{Msgpack: b}, nil
}

// DynamicFromProto decodes a configuration value of type t.
func DynamicFromProto(d *pb.DynamicValue, t cty.Type) (cty.Value, error) {
	if d == nil || len(d.Msgpack) == 0 {
		return cty.NullVal(t), nil
	}
	v, err := ctymsgpack.Unmarshal(d.Msgpack, t)
	if err != nil {
		return cty.NilVal, fmt.Errorf("decode configuration: %w", err)
	}
	return v, nil
}
