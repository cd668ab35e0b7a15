package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// reindexBatch is how many messages a rebuild writes per batch.
const reindexBatch = 1000

// reindexCommand rebuilds the search index from the database: a progress
// bar on a terminal, a final line otherwise. It may run while the server
// does; the server's indexer then re-indexes what was posted meanwhile.
func reindexCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("reindex", args, stderr, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()

	var bar *progressbar.ProgressBar
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("reindexing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("messages"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	var indexed int64
	err = a.indexer.Rebuild(ctx, reindexBatch, func(done, total int64) {
		indexed = done
		if bar != nil {
			bar.ChangeMax64(total)
			_ = bar.Set64(done)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	fmt.Fprintf(stdout, "reindexed %d messages into %s\n", indexed, a.indexer.Index().Name())
	return nil
}
