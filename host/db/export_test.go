package db

import "context"

// UpgradeTo migrates up to target only, to build old databases in tests.
func (d *DB) UpgradeTo(ctx context.Context, target int) (from, to int, err error) {
	return d.upgradeTo(ctx, target)
}

// RegistrySQL returns the text of every registered statement.
func RegistrySQL(d Dialect) []string {
	out := make([]string, len(registry))
	for i, s := range registry {
		out[i] = s.text(d)
	}
	return out
}

// SplitChunks exposes the log splitter: each chunk's content and its first
// and last line relative to the append.
func SplitChunks(content []byte) (contents [][]byte, firsts, lasts []int) {
	for _, c := range splitChunks(content) {
		contents = append(contents, c.content)
		firsts = append(firsts, c.first)
		lasts = append(lasts, c.last)
	}
	return
}

// Decompress decodes a stored chunk with a fresh set of codecs.
func Decompress(method int, src []byte) ([]byte, error) {
	var c codecs
	defer c.close()
	return c.decompress(Compression(method), src, nil)
}

// Compress encodes a chunk as it would be stored.
func Compress(method Compression, src []byte) ([]byte, Compression, error) {
	var c codecs
	defer c.close()
	return c.compress(method, src)
}
