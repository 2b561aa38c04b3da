"""nbgrader's OverwriteCells, fixed so that a deleted or renamed graded cell never fails a whole notebook."""

from nbgrader.preprocessors import OverwriteCells


class RestoringOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, fixed for two cases where nbgrader 0.9.6 fails the whole notebook.

    A deleted graded cell goes back after the nearest cell still there: nbgrader looks only for the
    source cell right before it, and only among graded and solution cells; in this course that cell
    is a locked "try it" cell, so the lookup fails (KeyError) and the notebook goes ungraded. And a
    cell whose grade id was renamed becomes an ordinary cell instead of breaking later steps.
    """

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        meta = cell.metadata.get("nbgrader")
        if meta is not None and "grade_id" not in meta:
            # A grade id the gradebook does not know (a student renamed it): nbgrader drops the id but keeps
            # the rest, which later steps trip over (KeyError). Make it the ordinary cell it now is.
            del cell.metadata["nbgrader"]
        return cell, resources

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells
        order = [cell.name for cell in source_cells]
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for position, name in enumerate(order):
            if name not in grade_cells:
                continue
            present = {cell.metadata.get("nbgrader", {}).get("grade_id"): index
                       for index, cell in enumerate(nb.cells)}
            if name in present:
                continue
            self.log.warning(f"Missing grade cell {name} encountered, adding to notebook")
            cell = self.missing_cell_transform(source_cells[position], grade_cells[name].max_score,
                                               is_solution=name in solution_ids)
            before = [present[earlier] for earlier in order[:position] if earlier in present]
            nb.cells.insert(max(before) + 1 if before else 0, cell)
        return nb, resources
