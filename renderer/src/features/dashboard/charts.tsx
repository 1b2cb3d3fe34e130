/** The dashboard's charts, in their own chunk: the chart library loads only when they show. */
import { BarChart, LineChart } from '@mantine/charts';

export interface ChartPoint {
  when: string;
  MB: number;
  seconds: number;
}

export function SizeChart({ data }: { data: ChartPoint[] }) {
  return <BarChart h={160} data={data} dataKey="when" series={[{ name: 'MB', color: 'indigo.6' }]} tickLine="none" gridAxis="y" withXAxis={false} />;
}

export function DurationChart({ data }: { data: ChartPoint[] }) {
  return <LineChart h={160} data={data} dataKey="when" series={[{ name: 'seconds', color: 'teal.6' }]} curveType="monotone" tickLine="none" gridAxis="y" withXAxis={false} />;
}
