"""Reports for managers and team leaders: metrics of a period, the page and the workbook."""
