"""imaging subdomain: the pure, database-free core of DICOM import.

Pipeline (every step turns bad input into a ``Skipped`` with a plain-English reason,
never an exception)::

    iter_sources(paths) / iter_uploads(name, data)      board.imaging.reader
        -> SourceFile | Skipped
    parse_sources(items, key=...) / parse_dicom(...)   board.imaging.parse
        -> ParsedInstance (de-identified) | Skipped
    group_instances(results, known_sop_instance_uids=...)  board.imaging.grouping
        -> Grouping(outcomes per file, studies > series)
    make_thumbnail(bytes_of(series.middle_instance))   board.imaging.thumbnail
        -> Thumbnail(png_bytes) | ThumbnailRefused(reason)
    redact_burned_in_text(png_bytes)                    board.imaging.burned_in
        -> RedactionResult(png_bytes | None, note): OCR, text blacked out

The services that read and write the database, each checking the actor's permission:
:mod:`board.imaging.importer` (files, folders, zips and uploads into a case, in one
transaction; headers parsed by the process pool of :mod:`board.imaging.pool`),
:mod:`board.imaging.pacs_attach` (search the PACS and attach its studies through the
same write), :mod:`board.imaging.manual` (a study entered by hand),
:mod:`board.imaging.correction` (a study's date, modality and body region corrected),
:mod:`board.imaging.listing` (a case's studies), :mod:`board.imaging.key_image` (a slice
chosen in the series viewer made a series' key image) and :mod:`board.imaging.pacs_send`
(uploaded files sent to the PACS, STOW-RS); :mod:`board.imaging.viewer` lists a study's
series and slices in the PACS, fetches, windows and caches frames (memory only);
:mod:`board.imaging.links` derives the key for the patient hashes, makes the patient
key (also used by the cases package to find possible duplicates) and builds viewer
links.

Vocabularies are in :mod:`board.imaging.enums`, text normalisation (body region, MR
sequence) in :mod:`board.imaging.normalise`, synthetic test data in
:mod:`board.imaging.synth`. This package does not import the heavy modules itself,
so importing :mod:`board.imaging.enums` stays cheap.
"""
