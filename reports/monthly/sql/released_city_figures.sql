-- What the newest approved release printed for each city-wide total (provider 'all', no
-- breakdown), hidden ones left out: the only earlier figures a correction is shown against. A
-- figure of a data state no release printed would be a new figure, one the disclosure audit
-- does not know the reader holds (design §6).
SELECT v.indicator_id, v.period, v.shown
FROM publication.release_values v
WHERE v.release_id = (
        SELECT release_id
        FROM publication.releases
        WHERE status = 'approved'
        ORDER BY approved_at DESC, release_id DESC
        LIMIT 1
      )
  AND v.provider_id = 'all'
  AND v.dimension = 'all'
  AND v.dimension_value = 'all'
  AND NOT v.hidden
