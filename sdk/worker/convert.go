package worker

import (
	"fmt"

	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
)

func updateToProto(u Update) *pb.CommandUpdate {
	return &pb.CommandUpdate{Key: u.Key, Text: u.Text, LogName: u.LogName, Rc: int64(u.RC), Elapsed: u.Elapsed, Files: u.Files, Stat: u.Stat}
}

func updateFromProto(u *pb.CommandUpdate) Update {
	return Update{Key: u.GetKey(), Text: u.GetText(), LogName: u.GetLogName(), RC: int(u.GetRc()), Elapsed: u.GetElapsed(),
		Files: u.GetFiles(), Stat: u.GetStat()}
}

func infoToProto(i Info) (map[string]*pb.Value, error) {
	m, err := convert.ValueMapToProto(map[string]any(i))
	if err != nil {
		return nil, fmt.Errorf("worker info: %w", err)
	}
	return m, nil
}

func infoFromProto(m map[string]*pb.Value) (Info, error) {
	v, err := convert.ValueMapFromProto(m)
	if err != nil {
		return nil, fmt.Errorf("worker info: %w", err)
	}
	if v == nil {
		v = map[string]any{}
	}
	return Info(v), nil
}
