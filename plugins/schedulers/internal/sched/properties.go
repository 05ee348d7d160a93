package sched

import "github.com/bbhost/bbhost/sdk/base"

// Property sources, as Buildbot names them.
const (
	SourceScheduler = "Scheduler"
	SourceForce     = "Force Build Form"
	SourceChange    = "Change"
)

// SchedulerProperties returns a scheduler's own properties: the block's
// `properties` and scheduler=<name>, with source "Scheduler".
func SchedulerProperties(name string, props map[string]any) map[string]base.Property {
	out := make(map[string]base.Property, len(props)+1)
	for k, v := range props {
		out[k] = base.Property{Value: v, Source: SourceScheduler}
	}
	out["scheduler"] = base.Property{Value: name, Source: SourceScheduler}
	return out
}

// Overlay returns a new map with the properties of each layer in turn, a
// later layer winning (Buildbot's Properties.updateFromProperties).
func Overlay(layers ...map[string]base.Property) map[string]base.Property {
	n := 0
	for _, l := range layers {
		n += len(l)
	}
	out := make(map[string]base.Property, n)
	for _, l := range layers {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// ChangeProperties returns the properties of changes with source "Change",
// a later change winning.
func ChangeProperties(changes []base.Change) map[string]base.Property {
	out := map[string]base.Property{}
	for _, ch := range changes {
		for k, v := range ch.Properties {
			out[k] = base.Property{Value: v, Source: SourceChange}
		}
	}
	return out
}
