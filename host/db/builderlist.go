package db

import (
	"context"
	"fmt"
	"slices"
)

// BuilderSpec is one configured builder as UpdateList writes it.
type BuilderSpec struct {
	Name        string
	Description *string
	Tags        []string
	// Project names the builder's project ("" for none); it is found or
	// created by name.
	Project string
}

// BuilderLink is a builder started or stopped on a master.
type BuilderLink struct {
	BuilderID int64
	MasterID  int64
	Name      string
}

// BuilderListResult is what UpdateList changed.
type BuilderListResult struct {
	// IDs maps every configured builder name to its id.
	IDs map[string]int64
	// Started and Stopped are the links to the master added and removed.
	Started, Stopped []BuilderLink
	// Updated are the builders whose description, project or tags were
	// written (new builders included), as written.
	Updated []Builder
}

// builderState is the builders tables, read at once.
type builderState struct {
	list   []*Builder
	byName map[string]*Builder
	byID   map[int64]*Builder
	links  map[[2]int64]int64 // (builderid, masterid) → builder_masters.id
}

func loadBuilderState(ctx context.Context, r runner) (*builderState, error) {
	st := &builderState{byName: map[string]*Builder{}, byID: map[int64]*Builder{}, links: map[[2]int64]int64{}}
	rows, err := r.query(ctx, qBuilderAll)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		b, err := scanBuilderRow(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		p := &b
		st.list = append(st.list, p)
		st.byName[b.Name] = p
		st.byID[b.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = r.query(ctx, qBMAll)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, bid, mid int64
		if err := rows.Scan(&id, &bid, &mid); err != nil {
			rows.Close()
			return nil, err
		}
		st.links[[2]int64{bid, mid}] = id
		if b := st.byID[bid]; b != nil {
			b.MasterIDs = append(b.MasterIDs, mid)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = r.query(ctx, qTagsAllBT)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var bid int64
		var name string
		if err := rows.Scan(&bid, &name); err != nil {
			rows.Close()
			return nil, err
		}
		if b := st.byID[bid]; b != nil {
			b.Tags = append(b.Tags, name)
		}
	}
	rows.Close()
	return st, rows.Err()
}

var (
	biBuilders = newBatchInsert("INSERT INTO builders (name, name_hash, description, projectid) VALUES ",
		" ON CONFLICT (name_hash) DO NOTHING RETURNING id, name", 4, 200)
	biTags        = newBatchInsert("INSERT INTO tags (name, name_hash) VALUES ", " ON CONFLICT (name_hash) DO NOTHING RETURNING id, name", 2, 200)
	biBuilderTags = newBatchInsert("INSERT INTO builders_tags (builderid, tagid) VALUES ", " ON CONFLICT DO NOTHING", 2, 400)
	biLinks       = newBatchInsert("INSERT INTO builder_masters (builderid, masterid) VALUES ", " ON CONFLICT DO NOTHING", 2, 400)
)

// UpdateList makes the builders linked to masterID exactly specs, in one
// transaction: it creates missing builders and tags, links and unlinks the
// master (removing workers configured on dropped links), and writes the
// description, project and tags of the builders where they differ.
// Nothing is written for a builder that did not change.
func (c Builders) UpdateList(ctx context.Context, masterID int64, specs []BuilderSpec) (*BuilderListResult, error) {
	var res *BuilderListResult
	err := c.write(ctx, func(t *Tx) error {
		var err error
		res, err = updateBuilderList(ctx, t, masterID, specs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update builder list of master %d: %w", masterID, err)
	}
	return res, nil
}

func updateBuilderList(ctx context.Context, t *Tx, masterID int64, specs []BuilderSpec) (*BuilderListResult, error) {
	st, err := loadBuilderState(ctx, t)
	if err != nil {
		return nil, err
	}
	// The last spec of a name wins; order is kept.
	idx := make(map[string]int, len(specs))
	var uniq []BuilderSpec
	for _, s := range specs {
		if i, ok := idx[s.Name]; ok {
			uniq[i] = s
			continue
		}
		idx[s.Name] = len(uniq)
		uniq = append(uniq, s)
	}
	specs = uniq
	res := &BuilderListResult{IDs: make(map[string]int64, len(specs))}

	projects, err := t.Projects().resolve(ctx, specs)
	if err != nil {
		return nil, err
	}
	tagIDs, err := resolveTags(ctx, t, specs)
	if err != nil {
		return nil, err
	}

	// New builders, inserted with their description and project.
	var args []any
	for _, s := range specs {
		if st.byName[s.Name] == nil {
			args = append(args, s.Name, HashColumns(s.Name), s.Description, projects[s.Project])
		}
	}
	created := map[string]bool{}
	if len(args) > 0 {
		err := biBuilders.run(ctx, t, args, func(sc scanner) error {
			var b Builder
			if err := sc.Scan(&b.ID, &b.Name); err != nil {
				return err
			}
			created[b.Name] = true
			p := &b
			st.byName[b.Name], st.byID[b.ID] = p, p
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("insert builders: %w", err)
		}
		for _, s := range specs {
			if st.byName[s.Name] != nil {
				continue
			}
			// Inserted meanwhile by another master.
			b, err := t.Builders().FindID(ctx, s.Name)
			if err != nil {
				return nil, err
			}
			got, err := t.Builders().Get(ctx, b)
			if err != nil || got == nil {
				return nil, fmt.Errorf("builder %q vanished: %v", s.Name, err)
			}
			st.byName[s.Name], st.byID[b] = got, got
		}
	}

	var tagArgs []any
	var retag []int64
	for _, s := range specs {
		b := st.byName[s.Name]
		res.IDs[s.Name] = b.ID
		tags := dedupe(s.Tags)
		proj := projects[s.Project]
		changed := created[s.Name]
		if !changed {
			if !equalStrPtr(b.Description, s.Description) || !equalInt64Ptr(b.ProjectID, proj) {
				if _, err := t.exec(ctx, qBuilderSetInfo, b.ID, s.Description, proj); err != nil {
					return nil, err
				}
				changed = true
			}
			if !slices.Equal(b.Tags, tags) {
				retag = append(retag, b.ID)
				changed = true
			} else {
				tags = nil // already stored
			}
		}
		for _, tag := range tags {
			tagArgs = append(tagArgs, b.ID, tagIDs[tag])
		}
		if changed {
			b.Description, b.ProjectID, b.Tags = s.Description, proj, dedupe(s.Tags)
		}
		if _, ok := st.links[[2]int64{b.ID, masterID}]; !ok {
			res.Started = append(res.Started, BuilderLink{BuilderID: b.ID, MasterID: masterID, Name: b.Name})
			b.MasterIDs = append(b.MasterIDs, masterID)
			slices.Sort(b.MasterIDs)
		}
		if changed {
			res.Updated = append(res.Updated, *b)
		}
	}
	if len(retag) > 0 {
		if _, err := inBatches(ctx, t, "DELETE FROM builders_tags WHERE builderid IN ({{ids}})", nil, retag, 500); err != nil {
			return nil, fmt.Errorf("delete builder tags: %w", err)
		}
	}
	if len(tagArgs) > 0 {
		if err := biBuilderTags.run(ctx, t, tagArgs, nil); err != nil {
			return nil, fmt.Errorf("insert builder tags: %w", err)
		}
	}
	if len(res.Started) > 0 {
		args = args[:0]
		for _, l := range res.Started {
			args = append(args, l.BuilderID, masterID)
		}
		if err := biLinks.run(ctx, t, args, nil); err != nil {
			return nil, fmt.Errorf("link builders: %w", err)
		}
	}

	// Links of this master to builders no longer configured.
	var drop []int64
	for key, linkID := range st.links {
		if key[1] != masterID {
			continue
		}
		b := st.byID[key[0]]
		if b != nil {
			if _, ok := idx[b.Name]; ok {
				continue
			}
		}
		drop = append(drop, linkID)
		name := ""
		if b != nil {
			name = b.Name
		}
		res.Stopped = append(res.Stopped, BuilderLink{BuilderID: key[0], MasterID: masterID, Name: name})
	}
	if len(drop) > 0 {
		slices.Sort(drop)
		slices.SortFunc(res.Stopped, func(a, b BuilderLink) int { return int(a.BuilderID - b.BuilderID) })
		if _, err := inBatches(ctx, t, "DELETE FROM configured_workers WHERE buildermasterid IN ({{ids}})", nil, drop, 500); err != nil {
			return nil, fmt.Errorf("deconfigure workers of dropped builders: %w", err)
		}
		if _, err := inBatches(ctx, t, "DELETE FROM builder_masters WHERE id IN ({{ids}})", nil, drop, 500); err != nil {
			return nil, fmt.Errorf("unlink builders: %w", err)
		}
	}
	return res, nil
}

// resolveTags finds or creates every tag the specs name.
func resolveTags(ctx context.Context, t *Tx, specs []BuilderSpec) (map[string]int64, error) {
	want := map[string]bool{}
	for _, s := range specs {
		for _, tag := range s.Tags {
			want[tag] = true
		}
	}
	ids := map[string]int64{}
	if len(want) == 0 {
		return ids, nil
	}
	rows, err := t.query(ctx, qTagAll)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		ids[name] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var args []any
	for tag := range want {
		if _, ok := ids[tag]; !ok {
			args = append(args, tag, HashColumns(tag))
		}
	}
	if len(args) == 0 {
		return ids, nil
	}
	err = biTags.run(ctx, t, args, func(sc scanner) error {
		var id int64
		var name string
		if err := sc.Scan(&id, &name); err != nil {
			return err
		}
		ids[name] = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insert tags: %w", err)
	}
	for tag := range want {
		if _, ok := ids[tag]; !ok {
			id, err := t.Builders().FindTagID(ctx, tag)
			if err != nil {
				return nil, err
			}
			ids[tag] = id
		}
	}
	return ids, nil
}

func equalStrPtr(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func equalInt64Ptr(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
