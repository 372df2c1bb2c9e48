//! IOSimScenario: scenario files (JSON5) to `Scenario` values, expectations, and the JSON result document.
