-- Configurable assessment grids (MNA, Braden, Morse, free grid) share the assessment table: the
-- instrument column holds the grid's code, answers its encoded answers, score the total in tenths
-- of a point and result the position of the interpretation band. The version of the grid's
-- definition used is kept so that an evaluation is always read with the items it was made with.
-- NULL for AGGIR, whose grid is fixed by decree.
ALTER TABLE assessment ADD COLUMN definition_version BIGINT;
