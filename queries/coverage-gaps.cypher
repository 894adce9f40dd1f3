// id: coverage-gaps
// title: Coverage gaps
// category: coverage
// severity: info
// description: What the last collection of each scope could not see (kinds the API refused, forbidden
//   reads): paths through those objects are missing from every other query.
// returns: scope, source, finished_at, gaps
// mitre: none
MATCH (sync:SyncRun)
WHERE size(sync.gaps) > 0
RETURN sync.scope AS scope, sync.source AS source, sync.finished_at AS finished_at, sync.gaps AS gaps
ORDER BY scope
