// Package activity is community life's activities (社区活动): one-off
// activities and recurring series whose occurrences are rows of their own,
// the persons signed up and the roll call of each occurrence, the
// households a visit reaches, photos and the write-up; and volunteers'
// hours from all their sources.
package activity
