package botmaster

import "sort"

// pendingList is a builder's pending requests, kept sorted best first:
// priority descending, then submitted_at ascending, then id ascending.
// New requests usually sort last, so insertion is an append.
type pendingList struct {
	reqs []*PendingRequest
}

func better(a, b *PendingRequest) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if a.SubmittedAt != b.SubmittedAt {
		return a.SubmittedAt < b.SubmittedAt
	}
	return a.BRID < b.BRID
}

func (l *pendingList) len() int { return len(l.reqs) }

// search returns the index where r sorts.
func (l *pendingList) search(r *PendingRequest) int {
	return sort.Search(len(l.reqs), func(i int) bool { return !better(l.reqs[i], r) })
}

func (l *pendingList) add(r *PendingRequest) {
	n := len(l.reqs)
	if n == 0 || better(l.reqs[n-1], r) {
		l.reqs = append(l.reqs, r)
		return
	}
	i := l.search(r)
	l.reqs = append(l.reqs, nil)
	copy(l.reqs[i+1:], l.reqs[i:])
	l.reqs[i] = r
}

func (l *pendingList) remove(r *PendingRequest) bool {
	i := l.search(r)
	if i < len(l.reqs) && l.reqs[i] == r {
		copy(l.reqs[i:], l.reqs[i+1:])
		l.reqs[len(l.reqs)-1] = nil
		l.reqs = l.reqs[:len(l.reqs)-1]
		return true
	}
	for j, x := range l.reqs { // keys changed under us: linear fallback
		if x == r {
			l.reqs = append(l.reqs[:j], l.reqs[j+1:]...)
			return true
		}
	}
	return false
}

// first returns the best request; nil when empty.
func (l *pendingList) first() *PendingRequest {
	if len(l.reqs) == 0 {
		return nil
	}
	return l.reqs[0]
}

// pick returns the request to build next that skip does not exclude: the
// best one, or with newest the newest (highest priority still first).
func (l *pendingList) pick(newest bool, skip map[int64]bool) *PendingRequest {
	if !newest {
		for _, r := range l.reqs {
			if !skip[r.BRID] {
				return r
			}
		}
		return nil
	}
	var best *PendingRequest
	for _, r := range l.reqs {
		if skip[r.BRID] {
			continue
		}
		if best == nil || r.Priority > best.Priority ||
			(r.Priority == best.Priority && (r.SubmittedAt > best.SubmittedAt ||
				(r.SubmittedAt == best.SubmittedAt && r.BRID > best.BRID))) {
			best = r
		}
	}
	return best
}
