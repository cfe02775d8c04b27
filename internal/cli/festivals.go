package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"shiliu/internal/app"
	"shiliu/internal/festival"
	"shiliu/internal/i18n"
	"shiliu/internal/ref"
)

// festivalJSON is one festival of `shiliu festivals --json`. end is null
// for a festival of one day; groups is empty and all_groups true for a
// festival of every group (春节, 中秋); also lists a second occurrence
// in the year (an Islamic festival twice in one Gregorian year), omitted
// otherwise.
type festivalJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Date      *string  `json:"date"`
	End       *string  `json:"end"`
	Rule      string   `json:"rule"`
	Groups    []string `json:"groups"`
	AllGroups bool     `json:"all_groups"`
	Source    string   `json:"source"`
	Note      string   `json:"note"`
	Also      []string `json:"also,omitempty"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// festivalsCmd runs `shiliu festivals [set|unset] …`.
func festivalsCmd(ctx context.Context, rest []string, env Env) error {
	sub := ""
	if len(rest) > 0 && (rest[0] == "set" || rest[0] == "unset") {
		sub, rest = rest[0], rest[1:]
	}
	var year int
	var asJSON bool
	var source, end string
	flags := func(fs *flag.FlagSet) {
		fs.IntVar(&year, "year", 0, "the year, 2000–2100 (default: this year)")
		switch sub {
		case "":
			fs.BoolVar(&asJSON, "json", false, "print a JSON array, one object per festival")
		case "set":
			fs.StringVar(&source, "source", "", "where the official date comes from (required)")
			fs.StringVar(&end, "end", "", "the last day, when the festival lasts several days")
		}
	}
	nargs := map[string]int{"": 0, "set": 2, "unset": 1}[sub]
	name := strings.TrimSpace("festivals " + sub)
	return withApp(ctx, name, rest, env, flags, nargs, func(a *app.App, pos []string) error {
		if year == 0 && sub == "set" && len(pos[1]) >= 4 {
			fmt.Sscanf(pos[1][:4], "%d", &year) // the date's year
		}
		if year == 0 {
			year = time.Now().In(ref.China).Year()
		}
		if !festival.ValidYear(year) {
			return fmt.Errorf("year %d is outside %d–%d", year, festival.FirstYear, festival.LastYear)
		}
		if sub != "" {
			if _, ok := festival.ByID(pos[0]); !ok {
				return fmt.Errorf("unknown festival %q (one of: %s)", pos[0], strings.Join(festival.IDs(), ", "))
			}
		}
		switch sub {
		case "set":
			if _, err := time.Parse("2006-01-02", pos[1]); err != nil {
				return fmt.Errorf("bad date %q: write YYYY-MM-DD", pos[1])
			}
			in := festival.OfficialInput{Festival: pos[0], Year: year, Date: pos[1], End: end, Source: source, AnyVersion: true}
			if err := a.Festival.Set(ctx, cliActor, in); err != nil {
				return explain(err)
			}
			fmt.Fprintf(env.Stdout, "%s %d: official date %s recorded (%s)\n", pos[0], year, pos[1], source)
			return nil
		case "unset":
			if err := a.Festival.Unset(ctx, cliActor, pos[0], year); err != nil {
				return explain(err)
			}
			fmt.Fprintf(env.Stdout, "%s %d: back to the computed date\n", pos[0], year)
			return nil
		}
		cal, err := a.Festival.Calendar(ctx, cliActor, year)
		if err != nil {
			return explain(err)
		}
		return printFestivals(env, cal, asJSON)
	})
}

func printFestivals(env Env, cal []festival.Date, asJSON bool) error {
	cat := i18n.MustLoad()
	if asJSON {
		out := make([]festivalJSON, 0, len(cal))
		for _, d := range cal {
			out = append(out, festivalJSON{ID: d.ID, Name: d.Name, Date: orNull(d.Date), End: orNull(d.End), Rule: string(d.Rule),
				Groups: d.GroupNames(), AllGroups: d.All, Source: string(d.Source), Note: cat.T("zh", d.NoteKey, d.NoteArgs...), Also: d.Also})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tEND\tID\tNAME\tRULE\tSOURCE\tGROUPS\tNOTE")
	for _, d := range cal {
		groups := strings.Join(d.GroupNames(), " ")
		if d.All {
			groups = cat.T("zh", "festival.all_groups")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(d.Date), dash(d.End), d.ID, d.Name, d.Rule, d.Source, groups, cat.T("zh", d.NoteKey, d.NoteArgs...))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
