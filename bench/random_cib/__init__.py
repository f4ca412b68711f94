"""Random but valid Pacemaker clusters, for the differential test against ``crm_simulate``.

`model` is the cluster as data, `draw` draws one (seeded, or as a hypothesis strategy),
`writer` turns it into CIB XML, `reference` runs the real scheduler on it, `verdict`
runs placement and judges, `shrink` reduces a disagreement to a minimal cluster.
Test and bench only: placement itself never calls Pacemaker.
"""
