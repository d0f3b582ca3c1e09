"""The SQL of every indicator (<indicator_id>.sql) and of the observation sets several share
(observations_<name>.sql). A package only so that the files are installed with the code."""
