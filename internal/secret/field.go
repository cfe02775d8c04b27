package secret

// Field is a sensitive value ready for storage: Enc, its ciphertext (a
// BLOB/bytea column), and Index, its blind index (a CHAR(32) column with a
// database index, for exact lookups and duplicate checks). The zero Field
// stands for "no value" and is stored as NULLs.
type Field struct {
	Enc   []byte
	Index string
}

// IsZero reports whether f holds no value.
func (f Field) IsZero() bool { return len(f.Enc) == 0 && f.Index == "" }

// SealField seals value for column ad (for example "persons.id_number")
// and computes its blind index for purpose (for example "id"). value must
// already be normalised, since the index matches it byte for byte. An
// empty value gives the zero Field: absent values are not sealed, so they
// do not share one index.
func SealField(k *Keys, purpose, ad, value string) Field {
	if value == "" {
		return Field{}
	}
	return Field{Enc: k.Seal([]byte(value), ad), Index: k.Index(purpose, value)}
}

// OpenField decrypts the Enc of a [Field] sealed for column ad. An empty
// enc (a NULL column) gives "" and no error. Errors are those of
// [Keys.Open].
func OpenField(k *Keys, ad string, enc []byte) (string, error) {
	if len(enc) == 0 {
		return "", nil
	}
	b, err := k.Open(enc, ad)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
