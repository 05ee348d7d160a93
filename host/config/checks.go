package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// check runs the checks that need the whole configuration: duplicate
// builder names and references between blocks.
func (l *loader) check() {
	for _, typ := range []PluginType{TypeWorker, TypeChangeSource, TypeScheduler, TypeUserManager} {
		list := *l.cfg.pluginList(typ)
		seen := make(map[string]hcl.Range, len(list))
		for _, pb := range list {
			if prev, dup := seen[pb.Name]; dup {
				l.add(dupDiag(typeNoun[typ], pb.Name, prev, pb.NameRange))
				continue
			}
			seen[pb.Name] = pb.DefRange
		}
	}
	seen := make(map[string]hcl.Range, len(l.builderNames))
	for _, n := range l.builderNames {
		if prev, dup := seen[n.name]; dup {
			l.add(dupDiag("builder", n.name, prev, n.rng))
			continue
		}
		seen[n.name] = n.rng
	}

	workers := make([]string, 0, len(l.cfg.Workers))
	for _, w := range l.cfg.Workers {
		workers = append(workers, w.Name)
	}
	l.checkRefs(l.workerRefs, workers, "worker", "lists", "worker")
	locks := make([]string, 0, len(l.cfg.Locks))
	for _, lk := range l.cfg.Locks {
		locks = append(locks, lk.Name)
	}
	l.checkRefs(l.lockRefs, locks, "lock", "takes", "lock")
	builders := make([]string, 0, len(l.cfg.Builders))
	for _, b := range l.cfg.Builders {
		builders = append(builders, b.Name)
	}
	l.checkRefs(l.builderRefs, builders, "builder", "feeds", "builder")
	schedulers := make([]string, 0, len(l.cfg.Schedulers))
	for _, s := range l.cfg.Schedulers {
		schedulers = append(schedulers, s.Name)
	}
	l.checkRefs(l.schedulerRefs, schedulers, "scheduler", "triggers", "scheduler")
}

// checkRefs reports every reference to a name that is not declared.
func (l *loader) checkRefs(refs []ref, declared []string, noun, verb, block string) {
	known := make(map[string]bool, len(declared))
	for _, d := range declared {
		known[d] = true
	}
	for _, r := range refs {
		if known[r.name] {
			continue
		}
		l.add(errorDiag(fmt.Sprintf("Reference to undeclared %s", noun),
			fmt.Sprintf("%s %s %s %q, but no %s block declares it.%s",
				r.from, verb, noun, r.name, block, didYouMean(r.name, declared)), r.rng))
	}
}

// dupDiag reports a second declaration of name at rng, the first being at prev.
func dupDiag(noun, name string, prev, rng hcl.Range) *hcl.Diagnostic {
	return errorDiag(fmt.Sprintf("Duplicate %s %q", noun, name),
		fmt.Sprintf("A %s named %q was already declared at %s. %s names must be unique.",
			noun, name, prev, capitalize(noun)), rng)
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
