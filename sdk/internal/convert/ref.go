package convert

import (
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
)

// RefToProto converts an instance reference.
func RefToProto(r base.Ref) *pb.InstanceRef {
	return &pb.InstanceRef{Type: string(r.Type), Kind: r.Kind, Name: r.Name, Generation: r.Generation}
}

// RefFromProto converts an instance reference; nil gives the zero Ref.
func RefFromProto(r *pb.InstanceRef) base.Ref {
	if r == nil {
		return base.Ref{}
	}
	return base.Ref{Type: base.ComponentType(r.Type), Kind: r.Kind, Name: r.Name, Generation: r.Generation}
}

// DeadlineToProto encodes a deadline as Unix nanoseconds (0 for none).
func DeadlineToProto(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// DeadlineFromProto decodes a deadline; 0 gives the zero time.
func DeadlineFromProto(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// CommonToProto converts the common attributes.
func CommonToProto(c base.Common) (*pb.Common, error) {
	props, err := ValueMapToProto(c.Properties)
	if err != nil {
		return nil, err
	}
	return &pb.Common{BuilderNames: c.Builders, MaxBuilds: int64(c.MaxBuilds), Properties: props}, nil
}

// CommonFromProto converts the common attributes.
func CommonFromProto(c *pb.Common) (base.Common, error) {
	if c == nil {
		return base.Common{}, nil
	}
	props, err := ValueMapFromProto(c.Properties)
	if err != nil {
		return base.Common{}, err
	}
	return base.Common{Builders: c.BuilderNames, MaxBuilds: int(c.MaxBuilds), Properties: props}, nil
}
