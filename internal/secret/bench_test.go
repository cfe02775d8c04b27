package secret

import (
	"fmt"
	"testing"
)

// The registry seals two fields (ID number, phone) and indexes them per
// person; an 18-byte value is an ID number.
var benchValue = []byte("110105199003071234")

func benchKeys(b *testing.B, alg string) *Keys {
	k, err := LoadOrCreate(b.TempDir(), alg)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

func BenchmarkSeal(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKeys(b, alg)
			b.SetBytes(int64(len(benchValue)))
			b.ReportAllocs()
			for b.Loop() {
				k.Seal(benchValue, "persons.id_number")
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKeys(b, alg)
			ct := k.Seal(benchValue, "persons.id_number")
			b.SetBytes(int64(len(benchValue)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.Open(ct, "persons.id_number"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIndex(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKeys(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				k.Index("id", string(benchValue))
			}
		})
	}
}

// BenchmarkImportRow is the per-person cost of an import: two fields
// sealed and indexed.
func BenchmarkImportRow(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKeys(b, alg)
			b.ReportAllocs()
			for b.Loop() {
				SealField(k, "id", "persons.id_number", string(benchValue))
				SealField(k, "phone", "persons.phone", "13812345678")
			}
		})
	}
}

// BenchmarkImportRowParallel is the same on all cores.
func BenchmarkImportRowParallel(b *testing.B) {
	for _, alg := range algorithms {
		b.Run(alg, func(b *testing.B) {
			k := benchKeys(b, alg)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					SealField(k, "id", "persons.id_number", string(benchValue))
					SealField(k, "phone", "persons.phone", "13812345678")
				}
			})
		})
	}
}

func ExampleSealField() {
	k, err := LoadOrCreate("./data", SM4)
	if err != nil {
		panic(err)
	}
	f := SealField(k, "id", "persons.id_number", "110105199003071234")
	// INSERT INTO persons (id_number_enc, id_number_idx) VALUES (?, ?) with f.Enc, f.Index;
	// look up with WHERE id_number_idx = ? and k.Index("id", normalisedInput).
	v, _ := OpenField(k, "persons.id_number", f.Enc)
	fmt.Println(len(f.Index), v)
}
