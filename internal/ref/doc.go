// Package ref holds the reference data and pure normalisation functions the
// registry needs when it reads what people typed into rosters: ethnic groups
// (GB/T 3304), citizen ID numbers (GB 11643-1999) and provinces (GB/T 2260),
// phone numbers, names and their pinyin, dates, and sex codes (GB/T 2261.1),
// plus the masking of sensitive values for display.
//
// Every function is safe for concurrent use and has no side effects other
// than a process-wide pinyin cache. Calendar dates are returned as midnight
// UTC values: only their year, month and day carry meaning.
package ref
