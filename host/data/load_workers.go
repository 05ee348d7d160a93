package data

import "context"

// GetWorker returns a worker with its connections and configurations, or
// nil.
func (c *Connector) GetWorker(ctx context.Context, id int64) (*Worker, error) {
	return loadWorker(ctx, c.db, id)
}

func loadWorker(ctx context.Context, v view, id int64) (*Worker, error) {
	w, err := v.Workers().Get(ctx, id)
	if err != nil || w == nil {
		return nil, wrapLoad("worker", id, err)
	}
	return workerFromRow(w), nil
}
