package web

import (
	"encoding/json"
	"reflect"
	"strings"
)

// schemaOf is the OpenAPI schema of the JSON a struct type encodes to, read
// from its fields: the name from the json tag, the type from the Go type, a
// description from a `doc` tag and allowed values from an `enum` tag
// (comma-separated). Fields of another documented type refer to its schema
// (refs maps the Go type to the schema's name). The API's types are so the
// only place a field is spelled for the document, which cannot drift from
// what the API writes or reads.
func schemaOf(v any, refs map[reflect.Type]string, required ...string) map[string]any {
	t := reflect.TypeOf(v)
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := typeSchema(f.Type, refs)
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		if e := f.Tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		props[name] = s
	}
	return obj(props, required...)
}

var rawJSON = reflect.TypeOf(json.RawMessage(nil))

// typeSchema is the schema of one Go type.
func typeSchema(t reflect.Type, refs map[reflect.Type]string) map[string]any {
	if name, ok := refs[t]; ok {
		return schemaRef(name)
	}
	if t == rawJSON {
		return map[string]any{"type": "object"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem(), refs)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem(), refs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem(), refs)}
	}
	return map[string]any{"type": "object"}
}
