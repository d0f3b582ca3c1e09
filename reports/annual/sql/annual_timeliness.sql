-- Per provider, how the monthly deliveries due for months of one year arrived: on time
-- (fristgerecht), late (verspaetet) or not at all (fehlt). Only months the warehouse covers
-- (up to its newest month) count; months not yet due ('offen') do not.
SELECT provider_id,
       count(*) FILTER (WHERE status = 'fristgerecht') AS on_time,
       count(*) FILTER (WHERE status = 'verspaetet') AS late,
       count(*) FILTER (WHERE status = 'fehlt') AS missing,
       count(*) FILTER (WHERE status IN ('fristgerecht', 'verspaetet', 'fehlt')) AS due
FROM marts.delivery_timeliness
WHERE substr(period, 1, 4) = $year
  AND period <= (SELECT max(period) FROM marts.dim_periods)
GROUP BY provider_id
ORDER BY provider_id
