package demo

import (
	"context"
	"fmt"
	"time"

	"shiliu/internal/festival"
	"shiliu/internal/ref"
)

// genFestivals enters what an office enters in the festival calendar:
// the Naadam its Mongol residents' association fixed for this year and
// the next (Naadam has no rule), through the service, audited as (demo).
func genFestivals(ctx context.Context, g *Gen) error {
	s := festival.New(g.DB)
	y := time.Now().In(ref.China).Year()
	for _, year := range []int{y, y + 1} {
		if !festival.ValidYear(year) {
			continue
		}
		// The second weekend of July, Friday to Sunday.
		d := time.Date(year, 7, 8, 0, 0, 0, 0, time.UTC)
		for d.Weekday() != time.Friday {
			d = d.AddDate(0, 0, 1)
		}
		in := festival.OfficialInput{Festival: "naadam", Year: year, Date: d.Format("2006-01-02"), End: d.AddDate(0, 0, 2).Format("2006-01-02"),
			Source: "街道民族工作领导小组通知", AnyVersion: true}
		if err := s.Set(ctx, g.Actor, in); err != nil {
			return fmt.Errorf("naadam %d: %w", year, err)
		}
	}
	return nil
}
