/** Everything one server produced during a run: the query loop's output, selection's input. */
import type { Server } from './endpoint.js'
import type { Kiss } from './kiss.js'
import type { Sample } from './sample.js'

export interface ServerObservation {
  server: Server
  /** replies that were ours (ntp/classify.ts), in arrival order; never a kiss */
  replies: Sample[]
  /** kisses that were ours, in arrival order */
  kisses: Kiss[]
  /** with -a: datagrams that matched a request of ours but did not authenticate */
  unauthenticated: number
}
