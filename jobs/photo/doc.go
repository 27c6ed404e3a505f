// Package photo turns uploaded JPEG and PNG files into what Lightbox serves:
// thumbnails and a watermarked preview for the gallery (Derive), a
// metadata-free full-resolution copy for buyers (Clean) and a normalised
// selfie for the face service (Selfie).
//
// # Sizes
//
// Every derivative is sized by its long edge: Thumb400 is 400 pixels on its
// long edge, Thumb800 800 and the watermarked preview 2048, the other side
// following the aspect ratio. Nothing is ever enlarged: an original narrower
// than a target is kept at its own size.
//
// # Pipeline
//
// The file is read up to Limits.MaxBytes, its header is checked against the
// pixel limits before anything is decoded (image.Decode has no limit of its
// own, so a tiny file can claim 100000×100000 pixels), its structure is
// walked (bounding the number of JPEG scans and segments) and its EXIF
// orientation is read by a small bounds-checked TIFF reader. The decoded
// image is resized once to an intermediate that is the larger of the preview
// and the 800 thumbnail, kept as 4:2:0 YCbCr planes, the layout every output
// JPEG stores. A JPEG is resized straight from its decoded planes: a
// separable fixed-point triangle filter, widened with the reduction so it
// averages the whole area of each output pixel, takes the Y plane and each
// chroma plane (whose samples JPEG centres between the luma pixels they
// cover) to the intermediate's luma and quarter-size chroma grids. (A
// reduction of 3 or more first averages 2, 4 or 8 pixel blocks of the
// planes, as libvips does on load; PNG, gray and CMYK images go through
// imaging's linear filter in RGB and are converted.) Only that small image
// is rotated upright, plane by plane, its chroma sited beforehand for the
// turn. The thumbnails are resized from its planes with a fixed-point
// Catmull-Rom filter, the watermark is blended into the preview's planes,
// and the encoder takes the planes as they are: no pixel goes to RGB and
// back. Only the face index's image (Options.FaceLongEdge) and the selfie
// are RGB. Thumbnails are encoded at JPEG quality 82, the preview at 85,
// selfies at 90, re-encoded Clean copies at 95, by the encoder in
// internal/jpeg: image/jpeg's baseline 4:2:0 output byte for byte (same
// quantization and Huffman tables), about twice as fast.
// Encoding writes no metadata, so no output of Derive or Selfie carries EXIF,
// XMP, IPTC or GPS data; transparency is flattened onto white.
//
// Derive, Clean and Selfie keep no state and are safe for concurrent use.
// Derive allocates about 35 MB for a 24-megapixel JPEG, most of it the
// file and the decoded image.
//
// # Watermark
//
// Options.Watermark is drawn in Go Bold, white with a dark outline, each at
// about 30% opacity, repeated along lines rising at 30° over the whole
// preview. The font size is 1/26 of the preview's long edge (about 79 pixels
// at 2048), so the watermark scales with the image and reads on light and
// dark areas alike. It is laid out over the whole preview once per text
// and size, and the last four layouts are kept (7 MB each at 2048×1365),
// so the photos of an event only blend it in. The blend is done on the
// planes: per RGB channel it is v·k + 255·f, and white has no chroma, so
// luma takes the same blend and chroma keeps k of its distance from grey
// (the mean k of the pixels a chroma sample covers).
//
// # Errors
//
// Problems with the file itself are ErrUnsupported, ErrTooLarge or
// ErrCorrupt, wrapped with a detail; retrying them is pointless, and Reason
// turns them into a sentence for the photographer. Decoder panics are
// recovered as ErrCorrupt. Any other error (a failing reader) is worth a
// retry.
package photo
