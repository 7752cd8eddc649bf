import { defineByIdLoader } from '../../shared/loaders';
import { User } from './user.entity';

export const usersById = defineByIdLoader(User);
