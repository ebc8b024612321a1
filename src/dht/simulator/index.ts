export { simulate, buildNetwork, type SimOptions, type SimReport, type FailureReport } from './simulate.js';
export { measureLookups, measureFill, LiveIndex, type LookupStats, type FillStats } from './measure.js';
export { failNodes, repairAll } from './failure.js';
export { join, type JoinOptions } from './join.js';
export { SimNetwork, type RouteTrace } from './network.js';
export { SimNode } from './sim-node.js';
export { markdownReport, liveHops } from './report.js';
export { hopsChart } from './svg.js';
