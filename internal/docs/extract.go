package docs

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxBodyRunes caps the text kept of a version for search: 200,000
// characters, a long rulebook.
const MaxBodyRunes = 200_000

// extractText returns the text of a document's content: the paragraphs of
// a DOCX's word/document.xml, or a plain-text file (UTF-8, else read as
// GB18030, which office PCs in China still save). Other types have no text
// of their own ("").
func extractText(mime string, b []byte) (string, error) {
	switch mime {
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return docxText(b)
	case "text/plain":
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if utf8.Valid(b) {
			return string(b), nil
		}
		u, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return strings.ToValidUTF8(string(b), ""), nil
		}
		return string(u), nil
	}
	return "", nil
}

// errNoDocument is a DOCX without word/document.xml.
var errNoDocument = errors.New("docx: no word/document.xml")

// docxText reads the text of word/document.xml: the runs' w:t, a tab for
// w:tab, a line break for w:br and w:cr, a new line after each paragraph.
func docxText(b []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	var doc *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			doc = f
		}
	}
	if doc == nil {
		return "", errNoDocument
	}
	rc, err := doc.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	// A zip bomb's document.xml stops at 50 MB of XML.
	dec := xml.NewDecoder(io.LimitReader(rc, 50<<20))
	var out strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				out.WriteByte('\t')
			case "br", "cr":
				out.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				out.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				out.Write(t)
			}
		}
		if out.Len() > MaxBodyRunes*4 {
			break
		}
	}
	return out.String(), nil
}

// clip keeps at most n runes of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// Snippet returns about width runes of body around the first match of q
// (case-insensitive), with an ellipsis where it cuts; the start of body
// when q is not in it.
func Snippet(body, q string, width int) string {
	body = strings.Join(strings.Fields(body), " ")
	r := []rune(body)
	at := 0
	if q != "" {
		lower := strings.ToLower(body)
		if i := strings.Index(lower, strings.ToLower(q)); i >= 0 {
			at = utf8.RuneCountInString(lower[:i])
		}
	}
	start := max(0, at-width/3)
	end := min(len(r), start+width)
	s := string(r[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}
