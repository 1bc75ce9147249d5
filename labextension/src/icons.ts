import { LabIcon } from '@jupyterlab/ui-components';

import keplerSvg from '../style/icons/kepler.svg';

/** The sidebar tab's icon: a planet on its (Keplerian) orbit. */
export const keplerIcon = new LabIcon({ name: 'kepler-jupyter:journal', svgstr: keplerSvg });
