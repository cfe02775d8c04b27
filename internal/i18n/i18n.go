// Package i18n is the message catalog. Every user-facing string lives in
// zh.json (Simplified Chinese, the default) and en.json, keyed by a dotted
// id; Go code and templates refer to keys, never to text.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Langs are the supported languages, default first.
var Langs = []string{"zh", "en"}

// Catalog holds the messages of every language.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Langs {
		b, err := files.ReadFile(l + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// MustLoad is Load for start-up, where a broken catalog is a build bug.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Lang returns a supported language for s (a tag like "en-US" or "zh-CN"),
// the default when none fits.
func Lang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Langs {
		if s == l || strings.HasPrefix(s, l+"-") || strings.HasPrefix(s, l+"_") {
			return l
		}
	}
	return Langs[0]
}

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Langs[0]][key]
	return ok
}

// T returns the message for key in lang, formatted with args (fmt verbs).
// A missing key falls back to the default language, then to the key itself
// so that a gap shows rather than breaks a page.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		m, ok = c.msgs[Langs[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Keys returns the keys of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	var ks []string
	for k := range c.msgs[lang] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
